import json

import pandas as pd

from lesionbench.cli import main


def test_cli_writes_the_table_of_registered_networks(tmp_path, capsys):
    settings = {"unet": {"network": {"name": "unet", "features": [4, 8, 16]}},
                "fcn8s": {"network": {"name": "fcn8s", "features": [4, 4, 8, 8, 8], "fc_channels": 16}}}
    settings_file = tmp_path / "experiments.json"
    settings_file.write_text(json.dumps(settings))
    tsv, md = tmp_path / "out" / "complexity.tsv", tmp_path / "out" / "complexity.md"
    rc = main(["complexity", "--settings", str(settings_file), "--in-channels", "2", "--size", "32", "32",
               "--out-tsv", str(tsv), "--out-md", str(md), "--repeats", "2", "--warmup", "0", "--threads", "1"])
    assert rc == 0
    table = pd.read_csv(tsv, sep="\t")
    assert table["experiment"].tolist() == ["unet", "fcn8s"]
    assert (table["parameters"] > 0).all() and (table["flops"] == 2 * table["macs"]).all()
    assert "| unet | unet |" in md.read_text()
    assert capsys.readouterr().out.split() == [str(tsv), str(md)]


def test_cli_reports_a_bad_experiment_in_one_line(tmp_path, capsys):
    rc = main(["complexity", "--settings", '{"x": {"network": {"name": "nope"}}}', "--in-channels", "1",
               "--size", "16", "16", "--out-tsv", str(tmp_path / "c.tsv"), "--out-md", str(tmp_path / "c.md")])
    assert rc == 2
    err = capsys.readouterr().err
    assert err.startswith("lesionbench complexity: error: complexity: experiment 'x': unknown network 'nope'")
    assert not (tmp_path / "c.tsv").exists()
