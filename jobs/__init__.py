"""The scheduler, its own process (``python -m jobs``): loaders on their intervals, roll-up
maintenance, the nightly backup, and the alert-check and weekly-snapshot hooks.

Jobs are thin and take ``now``; see ``jobs/definitions.py`` for the list, ``jobs/runner.py`` for
how a run is claimed and recorded, ``jobs/leader.py`` for leadership among several processes.
Nothing here runs at import.
"""
