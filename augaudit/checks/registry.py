"""The check table: each code (:mod:`augaudit.model.codes`) with the function that decides it.

An explicit table, like a linter's code table: nothing registers itself on import.
Each function's docstring is the check's documentation, with a failing and a passing
example (``augaudit explain CODE``). Importing this module is cheap (no torch).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from augaudit.checks import draws, execution, fidelity, geometry, precision, ranges
from augaudit.checks.context import CheckContext
from augaudit.model import Finding
from augaudit.model.codes import BY_CODE, CodeInfo, Severity

CheckFunction = Callable[[CheckContext], Iterable[Finding]]


@dataclass(frozen=True)
class Check:
    info: CodeInfo
    run: CheckFunction

    @property
    def code(self) -> str:
        return self.info.code

    @property
    def name(self) -> str:
        return self.info.name

    @property
    def severity(self) -> Severity:
        return self.info.severity

    @property
    def hint(self) -> str:
        return self.info.hint

    @property
    def static(self) -> bool:
        return self.info.static

    @property
    def doc(self) -> str:
        return inspect.cleandoc(self.run.__doc__ or "")

    def summary_for(self, thresholds: Mapping[str, float] | None = None) -> str:
        return self.info.summary_for(thresholds)


CHECKS: tuple[Check, ...] = (
    Check(BY_CODE["AUG101"], precision.quantization),
    Check(BY_CODE["AUG102"], precision.truncation),
    Check(BY_CODE["AUG103"], precision.channels_lost),
    Check(BY_CODE["AUG201"], ranges.out_of_range),
    Check(BY_CODE["AUG202"], ranges.wrap_around),
    Check(BY_CODE["AUG203"], ranges.float_0_255),
    Check(BY_CODE["AUG204"], ranges.non_finite),
    Check(BY_CODE["AUG205"], ranges.saturation),
    Check(BY_CODE["AUG301"], geometry.border_fill),
    Check(BY_CODE["AUG302"], geometry.nearest_resampling),
    Check(BY_CODE["AUG303"], geometry.zero_fill_blend),
    Check(BY_CODE["AUG401"], fidelity.final_fidelity),
    Check(BY_CODE["AUG501"], execution.stage_raised),
    Check(BY_CODE["AUG502"], execution.normalize_order),
    Check(BY_CODE["AUG503"], execution.deprecated_api),
    Check(BY_CODE["AUG504"], execution.image_skipped),
    Check(BY_CODE["AUG505"], execution.stage_timeout),
    Check(BY_CODE["AUG506"], execution.unstable_output_type),
    Check(BY_CODE["AUG507"], execution.mutates_input),
    Check(BY_CODE["AUG508"], draws.measurement_lost),
    Check(BY_CODE["AUG509"], draws.no_effect),
    Check(BY_CODE["AUG510"], draws.unseeded_random),
)
REGISTRY: dict[str, Check] = {check.code: check for check in CHECKS}


def all_checks() -> list[Check]:
    """Every check, in code order."""
    return [REGISTRY[code] for code in sorted(REGISTRY)]
