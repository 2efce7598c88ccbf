"""Which dotted names a YAML spec may use: a pure string check, done before any import.

YAML specs come from untrusted pull requests, so a name outside the allow-listed namespaces
must be refused before Python imports, looks up or calls anything for it.
"""

from __future__ import annotations

from collections.abc import Sequence

from augaudit.errors import SpecError, UnsafeSpecError

BUILTIN_NAMESPACES = ("torchvision.transforms.v2", "torchvision.transforms")
ALLOW_HINT = (
    "YAML specs may only name classes from torchvision.transforms(.v2); "
    "to use a trusted module of your own, pass --allow-module MODULE"
)


def shown(text: str, limit: int = 80) -> str:
    """``text`` quoted for a one-line message: control characters escaped, long text cut."""
    quoted = repr(text)
    return quoted if len(quoted) <= limit else quoted[: limit - 4] + "...'"


def allowed_namespaces(allow_modules: Sequence[str]) -> tuple[str, ...]:
    """The built-in namespaces plus the user's modules, each validated as a dotted module name."""
    if isinstance(allow_modules, str):
        allow_modules = [allow_modules]  # one module passed bare would split into characters
    for module in allow_modules:
        segments = module.split(".")
        if not all(s.isidentifier() and not s.startswith("_") for s in segments):
            raise SpecError(
                f"--allow-module {shown(module)} is not a module name",
                hint="give a dotted module name such as mypackage.transforms",
            )
    return tuple(dict.fromkeys((*BUILTIN_NAMESPACES, *allow_modules)))


def is_allowed(module: str, allowed: Sequence[str]) -> bool:
    """True for an allow-listed module or any submodule of one."""
    return any(module == a or module.startswith(a + ".") for a in allowed)


def check_path(path: str, allowed: Sequence[str], where: str) -> str:
    """Refuse ``path`` unless it names something inside an allowed module.

    Returns the shortest allowed module prefix of ``path``; the rest are attribute names.
    """
    segments = path.split(".")
    for segment in segments:
        if segment.startswith("_"):
            raise UnsafeSpecError(
                f"{shown(path)} uses the private or special name {shown(segment)}",
                where=where,
                hint="names starting with '_' are refused, even in modules allowed "
                "with --allow-module MODULE",
            )
        if not segment.isidentifier():
            raise SpecError(
                f"{shown(path)} is not a valid transform name",
                where=where,
                hint="write a class name such as RandomCrop or a dotted path to a class",
            )
    if path in allowed:
        raise SpecError(
            f"{shown(path)} is a module, not a transform class",
            where=where,
            hint=f"name a class inside it, e.g. {path}.ClassName",
        )
    for end in range(1, len(segments)):
        prefix = ".".join(segments[:end])
        if is_allowed(prefix, allowed):
            return prefix
    raise UnsafeSpecError(
        f"{shown(path)} is outside the allowed namespaces ({', '.join(allowed)})",
        where=where,
        hint=ALLOW_HINT,
    )
