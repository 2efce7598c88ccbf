"""The allocator setting workers run with: glibc's mallopt accepts it."""

from __future__ import annotations

import pytest

from augaudit.execution.allocator import tune_allocator


def test_allocator_tuning_is_accepted_by_glibc():
    import platform

    if platform.libc_ver()[0] != "glibc":
        pytest.skip("mallopt is glibc's")
    assert tune_allocator() is True
