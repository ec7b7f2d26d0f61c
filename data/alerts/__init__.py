"""Threshold rules, their set-based evaluation, and the alert lifecycle.

* ``rules``       ``RuleSpec``, ``validate_rule`` (problems as message keys), ``save_rule`` (versioned),
                  ``load_rule``, ``list_rules``, ``rule_versions``, ``ensure_default_rules``
* ``defaults``    ``DEFAULT_RULES``: every domain, quiet on the demo's clean data
* ``indicators``  a catalog metric for every entity of a kind in ONE statement over the roll-ups
                  and the small state tables (``indicator_values``); ``entities`` and ``windows``
                  hold the entity tables, windows and comparisons
* ``evaluate``    ``preview``, ``evaluate_rules`` (pending → firing → resolved, hysteresis, severity)
* ``backtest``    how often each entity would have fired over the last 90 days
* ``hooks``       evaluation after every applied batch and every 5 minutes (``alert_check``)
* ``lifecycle``   what people do to alerts (acknowledge, assign, note, resolve)
* ``notify``, ``silences``, ``channels``  notifications, silences and mute timings
* ``anomaly_indicators``  baseline anomalies (``energy_anomaly``) as an indicator, registered here
"""

from . import anomaly_indicators as anomaly_indicators  # registers its indicator family
