"""Fidelity suite: Microsoft's own Python clients against photosync-emulator.

Run by tests/emulator/tests/fidelity.rs, which starts the emulator (with TLS) and passes its
URLs in EMU_* environment variables. Every test here asserts a round trip exactly as a client
would see it against Microsoft 365.
"""
import os

import pytest


def _env(name):
    value = os.environ.get(name)
    if not value:
        pytest.fail(f"{name} is not set: run this suite through `cargo test -p photosync-emulator --test fidelity`")
    return value


@pytest.fixture(scope="session")
def emu():
    return {
        "base": _env("EMU_BASE"),
        "https": _env("EMU_HTTPS"),
        "ca": _env("EMU_CA"),
        "tenant": _env("EMU_TENANT"),
        "secret_app": _env("EMU_SECRET_APP"),
        "secret": _env("EMU_SECRET"),
        "sp_token": _env("EMU_SP_TOKEN"),
        "sp": _env("EMU_SP"),
        "my": _env("EMU_MY"),
        "upload": _env("EMU_UPLOAD_FILE"),
    }
