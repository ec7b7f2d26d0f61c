"""Pages as declarations: what each page of the command center shows, described once.

A page (``PageSpec``) is its KPI tiles (catalog metric ids and the query that reads them), its
panels (``PanelSpec``: a query and a builder each) and its drill levels; ``views.render`` draws
any panel of any declared page for any org node, building or vehicle and period, from a
connection and a ``data.queries.view.ViewContext``, with no Dash and no browser session. The
desktop pages (``components.view_page`` and ``callbacks.view_page``), the wall playlists and the
weekly snapshot all draw from here, so they show the same thing the same way.

Depends on ``data`` (queries) and ``presentation`` (figures, messages) only: no Dash, no Flask
(``.importlinter`` holds that).
"""
