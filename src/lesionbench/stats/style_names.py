"""Names of the table styles (one paper's table layout each), importable without the styles.

:data:`lesionbench.stats.styles.TABLE_STYLES` maps each name to its layout function and checks
that it registers exactly these names; the settings and the workflow validate against this list,
so they need not import the styles (which import the settings).
"""

TABLE_STYLE_NAMES: tuple[str, ...] = ("paper000", "paper001", "paper002", "paper003", "paper004")
