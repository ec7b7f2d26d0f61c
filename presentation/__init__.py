"""What every view of the command center draws the same way: the desktop pages, the wall
screens and the weekly snapshot (a separate process with no Dash).

* ``presentation.i18n``: the message catalog, Simplified Chinese first, English second;
* ``presentation.theme``: the light and dark (wall) themes' colours and fonts;
* ``presentation.format``: numbers with 万/亿, units, comparison lines, local times;
* ``presentation.figures``: ``make_*_figure(df, *, lang, theme) -> go.Figure``.

It depends on plotly, pandas, the metrics catalog and the calendar only (``.importlinter``
holds that): no Dash, no Flask, no database.
"""
