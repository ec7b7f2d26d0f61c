"""Pure builders of UI pieces: the shell, KPI tiles, figures, tables, ids and the message catalog."""
