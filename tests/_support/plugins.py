"""Plugin distributions made on the spot: a module and its ``opentok_rules.kinds`` entry points
in a site folder, as an installer leaves them."""

from __future__ import annotations

from pathlib import Path


def install(
    site: Path, module: str, source: str, entry_points: str, *, distribution: str | None = None
) -> None:
    """A distribution (named ``module`` unless ``distribution`` is given) with ``module`` and
    these ``opentok_rules.kinds`` entry points."""
    name = module if distribution is None else distribution
    (site / f"{module}.py").write_text(source, encoding="utf-8")
    info = site / f"{name.replace('-', '_')}-1.0.dist-info"  # as installers name it
    info.mkdir()
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n", encoding="utf-8"
    )
    (info / "entry_points.txt").write_text(
        f"[opentok_rules.kinds]\n{entry_points}\n", encoding="utf-8"
    )
