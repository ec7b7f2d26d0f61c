"""The policy's script hashes come from the inline scripts Dash generated, nothing else."""

from __future__ import annotations

from security.headers import inline_script_hashes, script_hash


def test_only_inline_scripts_are_hashed_and_each_once():
    scripts = (
        '<script src="/_dash-component-suites/dash/deps/react.js"></script>\n'
        '<script>var clientside = 1;</script>\n<script type="text/javascript">var x = 2;</script>'
    )
    renderer = '<script id="_dash-renderer" type="application/javascript">var renderer = new DashRenderer();</script>'
    assert inline_script_hashes(scripts, renderer, renderer) == [
        script_hash("var clientside = 1;"),
        script_hash("var x = 2;"),
        script_hash("var renderer = new DashRenderer();"),
    ]
    assert inline_script_hashes("", None) == []
