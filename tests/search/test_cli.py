"""``kiosk search`` run as a real subprocess, as scripts and benchmarks use it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from sqlalchemy import Engine


def _kiosk(*args: str, stdin: str | None = None, db: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kiosk.cli.main", *args, "--db", str(db)],
        input=stdin, capture_output=True, text=True, timeout=120, check=False,
    )


def test_stdin_mode_prints_one_json_line_per_query(catalog: Engine, db_path: Path) -> None:
    queries = ["sofa", "wardorbe", "", '"AND * : ^ -(', "沙发", "x" * 10_000, "sofx"]
    proc = _kiosk("search", "-", "--limit", "3", stdin="\n".join(queries) + "\n", db=db_path)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert len(lines) == len(queries)
    answers = [json.loads(line) for line in lines]
    assert [a["query"] for a in answers] == queries
    for answer in answers:
        assert set(answer) >= {"query", "took_ms", "results"}
        assert len(answer["results"]) <= 3
        for hit in answer["results"]:
            assert set(hit) == {"id", "sku", "name", "brand", "price", "currency", "score"}
    sofa = answers[0]["results"]
    assert sofa[0]["id"] == "P-2" and sofa[0]["price"] == "19.00" and sofa[0]["currency"] == "EUR"
    assert answers[1]["results"][0]["name"] == "Wardrobe with mirror"
    assert [r["id"] for r in answers[2]["results"]][:2] in (["P-6", "P-9"], ["P-9", "P-6"])
    assert answers[4]["results"][0]["id"] == "P-5"
    assert answers[6]["results"] == [] and answers[6]["suggestions"][0] == "sofa"
    assert answers[6]["corrections"] >= 1 and answers[0]["corrections"] == 0


def test_single_query_table_and_json(catalog: Engine, db_path: Path, capsys) -> None:  # noqa: ANN001
    from kiosk.cli.main import main

    assert main(["search", "oslo", "--db", str(db_path)]) == 0
    table = capsys.readouterr().out
    assert "Oslo 3-seat sofa" in table and "€799.00" in table
    main(["search", "zzzz", "--db", str(db_path)])
    nothing = capsys.readouterr().out
    assert "Nothing found" in nothing and "Popular categories: Sofas" in nothing and "Did you mean" not in nothing
    main(["search", "oslo", "--json", "--max-price", "900.00", "--currency", "EUR", "--db", str(db_path)])
    answer = json.loads(capsys.readouterr().out)
    assert [r["price"] for r in answer["results"]] == ["799.00"]
    main(["search", "oslo", "--json", "--max-price", "10.00", "--currency", "EUR", "--db", str(db_path)])
    assert json.loads(capsys.readouterr().out)["results"] == []
    assert main(["search", "oslo", "--min-price", "ten", "--db", str(db_path)]) == 2
    assert "not a price" in capsys.readouterr().err
