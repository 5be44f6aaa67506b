"""Checks of a saved fit's tree before it becomes a :class:`~bayescale.fit.Fit`.

A saved fit carries its law by name or file path, its priors and settings as a JSON record,
and its draws and data as groups. Each can be damaged or outdated (the file truncated, the
record edited, the law file changed or gone); every such case is one line naming the file
and what is wrong.
"""

from __future__ import annotations

import json

import xarray as xr

from bayescale.catalog import get_law
from bayescale.errors import BayescaleInputError, is_number, one_line
from bayescale.law import Law
from bayescale.model import SERIES_PRIORS
from bayescale.population import spread_name

META = "bayescale"

GROUPS = ("posterior", "sample_stats", "observed_data", "constant_data")


def _record(tree: xr.DataTree, where: str) -> dict:
    """The fit's ``bayescale`` record, checked to be the JSON document :meth:`Fit.save` wrote."""
    if META not in tree.attrs:
        raise BayescaleInputError(f"{where} is not a bayescale fit (no '{META}' record)")
    try:
        meta = json.loads(tree.attrs[META])
    except (TypeError, ValueError) as err:
        raise BayescaleInputError(
            f"{where}: its '{META}' record is not JSON ({one_line(err)}): the file is damaged"
        ) from None
    parts = {"spec": dict, "columns": dict, "scales": dict, "settings": dict}
    missing = [k for k, kind in parts.items() if not isinstance(meta, dict) or not isinstance(meta.get(k), kind)]
    spec = meta.get("spec") if isinstance(meta, dict) else None
    if not missing:
        law = spec.get("law")
        if not isinstance(law, dict) or not all(isinstance(law.get(k), str) for k in ("name", "origin", "fingerprint")):
            missing.append("spec.law")
        missing += [f"spec.{k}" for k in ("priors", "fixed", "tied", "noise") if not isinstance(spec.get(k), dict)]
    if missing:
        raise BayescaleInputError(f"{where}: its '{META}' record lacks {', '.join(missing)}: the file is damaged")
    return meta


def _recorded_law(meta: dict, where: str) -> Law:
    recorded = meta["spec"]["law"]
    if not recorded["origin"]:
        raise BayescaleInputError(
            f"{where} was fitted with law {recorded['name']!r} built in memory, which cannot be found again: "
            "save laws you want to reload in a .py file"
        )
    try:
        law = get_law(recorded["origin"])
    except BayescaleInputError as err:
        raise BayescaleInputError(f"{where}: its law cannot be loaded: {err}") from None
    return law


def _check_contents(tree: xr.DataTree, meta: dict, law: Law, where: str) -> None:
    """The groups, variables, scales and column names the law needs are all in the file."""
    missing_groups = [g for g in GROUPS if g not in tree.children]
    if missing_groups:
        raise BayescaleInputError(f"{where} lacks the {', '.join(missing_groups)} group: the file is damaged")
    needs = {
        "posterior": [*law.param_names, *law.noise_names],
        "constant_data": law.input_names,
        "observed_data": list(law.outputs),
    }
    for group, names in needs.items():
        absent = [n for n in names if n not in tree[group].data_vars]
        if absent:
            raise BayescaleInputError(
                f"{where}: its {group} group lacks {', '.join(map(repr, absent))} of law {law.name!r} "
                f"(the law file changed since the fit, or the file is damaged); refit or restore the law"
            )
    for name in law.param_names + law.noise_names:
        if tree["posterior"][name].dims[:2] != ("chain", "draw"):
            raise BayescaleInputError(f"{where}: posterior draws of {name!r} lack chain and draw dimensions")
    recorded = sorted(meta["spec"]["priors"])
    structural = {spread_name(v) for v in meta["spec"].get("varying", [])} | set(SERIES_PRIORS)
    if sorted(n for n in recorded if n not in structural) != sorted([*law.param_names, *law.noise_names]):
        raise BayescaleInputError(
            f"{where} was saved with parameters {', '.join(recorded)}, but law {law.name!r} now has "
            f"{', '.join([*law.param_names, *law.noise_names])}: refit or restore the law file"
        )
    fixed, tied = meta["spec"]["fixed"], meta["spec"]["tied"]
    if not all(n in recorded and is_number(v) for n, v in fixed.items()) or not all(
        n in recorded and v in recorded for n, v in tied.items()
    ):
        raise BayescaleInputError(f"{where}: its fixed {fixed} or tied {tied} parameters are damaged")
    scales = meta["scales"]
    if sorted(scales) != sorted(law.input_names) or not all(is_number(v) and v > 0 for v in scales.values()):
        raise BayescaleInputError(f"{where}: its input scales {scales} do not match law {law.name!r}'s inputs")
    if not all(k in [*law.input_names, *law.outputs] and isinstance(v, str) for k, v in meta["columns"].items()):
        raise BayescaleInputError(f"{where}: its column mapping {meta['columns']} does not match law {law.name!r}")


def check_saved_tree(tree: xr.DataTree, where: str) -> tuple[dict, Law]:
    """The tree's record and its law, once every part a :class:`~bayescale.fit.Fit` needs is checked."""
    meta = _record(tree, where)
    law = _recorded_law(meta, where)
    _check_contents(tree, meta, law, where)
    return meta, law
