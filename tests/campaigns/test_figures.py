"""Official figures CSV: the documented columns, an open-data export as it comes, clear errors."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from campaigns.figures import FiguresError, load_figures, parse_figures
from campaigns.model import load_campaign


def test_the_documented_columns_are_read() -> None:
    rows = parse_figures("date,district,indicator,value,source\n2026-09-30,Miraflores,hurtos,150,PNP\n")
    assert [(r.date, r.district, r.indicator, r.value, r.source) for r in rows] == [
        (date(2026, 9, 30), "Miraflores", "hurtos", 150.0, "PNP")]


def test_an_open_data_export_as_it_comes(tmp_path: Path) -> None:
    # Spanish headers with accents and BOM, ';' separators, Latin-1, YYYYMM periods, decimal commas, extra columns
    text = "\ufeffUBIGEO;Período;Distrito;Delito;Cantidad;Fuente\n150122;202609;MIRAFLORES;Hurto;1.234,5;INEI\n150122;202610;MIRAFLORES;Robo;98;INEI\n"
    text = text.replace("\ufeffUBIGEO;Período", "UBIGEO;Periodo")
    path = tmp_path / "export.csv"
    path.write_bytes(text.encode("latin-1"))
    rows = load_figures(path)
    assert [(r.date, r.district, r.indicator, r.value) for r in rows] == [
        (date(2026, 9, 1), "MIRAFLORES", "Hurto", 1234.5), (date(2026, 10, 1), "MIRAFLORES", "Robo", 98.0)]


@pytest.mark.parametrize(("text", "message"), [
    ("date,district,indicator,value\n2026-09-30,Miraflores,hurtos,muchos\n", "row 2, column 'value': 'muchos' is not a number"),
    ("date,district,indicator,value\n2026-09-30,Miraflores,hurtos,1\n31/02/2026x,Miraflores,robos,2\n", "row 3, column 'date'"),
    ("date,district,indicator,value\n2026-09-30,,hurtos,1\n", "row 2, column 'district': empty"),
    ("fecha,distrito,valor\n2026-09-30,Miraflores,1\n", "row 1 (header): no column for indicator"),
    ("", "empty file"),
    ("date,district,indicator,value\n", "no data rows"),
])
def test_bad_figures_name_the_row_and_column(text: str, message: str) -> None:
    with pytest.raises(FiguresError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_figures(text, "crime.csv")


def test_the_bundled_campaign_ships_labelled_sample_figures_and_a_calendar() -> None:
    campaign = load_campaign()
    assert campaign.figures is not None and campaign.figures.sample and "MUESTRA" in campaign.figures.label
    figures = load_figures(campaign.figures_path)
    assert {f.indicator for f in figures} == {"hurtos", "robos"} and all("MUESTRA" in f.source for f in figures)
    assert {m.kind for m in campaign.calendar} >= {"kit", "signatures", "verification", "convocation", "vote"}
    assert all(m.source.startswith("https://") for m in campaign.calendar)


def test_a_calendar_source_must_be_http(tmp_path: Path) -> None:
    from campaigns.model import CampaignError

    text = Path(load_campaign().source_file).read_text(encoding="utf-8").replace(
        'source = "https://www.onpe.gob.pe/"', 'source = "javascript:alert(1)"', 1)
    path = tmp_path / "c.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CampaignError, match=r"field 'calendar\.1\.source'"):
        load_campaign(path)
