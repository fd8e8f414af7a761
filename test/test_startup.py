"""What a process that only generates images loads and keeps: it pays for what it uses.

Each check runs a fresh interpreter that makes one ``create_image`` call against the local
server, then lists the modules it loaded.  Not a timing: which code runs at start-up, and
(at the end) what stays reachable until the interpreter's last collections at exit.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from openapiopenai.testing import ImagesServer

from conftest import API_KEY, REPO

ONE_CALL = """
import json, sys
import openapiopenai
config = openapiopenai.Configuration(host=sys.argv[1], access_token=sys.argv[2], retries=0)
api = openapiopenai.ImagesApi(openapiopenai.ApiClient(config))
response = api.create_image_with_http_info(
    openapiopenai.CreateImageRequest(prompt="an otter", response_format="url"))
assert response.status_code == 200 and response.data.data[0].url
dumped = response.model_dump()["headers"]  # dumped as a dict, without @field_serializer
assert type(dumped) is dict and dumped["Content-Type"].startswith("application/json")
print(json.dumps(sorted(sys.modules)))
"""

#: Loaded only by what needs them: edits and variations, uploads, other APIs, decoding.
NOT_AT_START = [
    "openapiopenai._multipart",
    "openapiopenai._png",
    "openapiopenai.models._forms",
    "openapiopenai.models.edit_image_body_json_param",
    "openapiopenai.api.files_api",
    "openapiopenai.api.batch_api",
    "openapiopenai._display",
    "openapiopenai._download",
    "openapiopenai._results",  # saving and decoding images
    "openapiopenai._base64",
    "openapiopenai._auth_settings",  # the generated configuration's unused auth shapes
    # pydantic's decorator module for serializers (the models set dumps on the core schema)
    "pydantic.functional_serializers",
]


def run_against_the_server(code: str) -> str:
    """What ``code`` prints, run in a fresh interpreter with the server's URL and key."""
    with ImagesServer(api_keys=[API_KEY]) as server:
        return subprocess.run(
            [sys.executable, "-c", code, server.url, API_KEY],
            capture_output=True,
            text=True,
            check=True,
            cwd=REPO,
            timeout=60,
        ).stdout


@pytest.fixture(scope="module")
def loaded() -> set[str]:
    return set(json.loads(run_against_the_server(ONE_CALL)))


@pytest.mark.parametrize("module", NOT_AT_START)
def test_a_generation_only_process_does_not_load(loaded: set[str], module: str) -> None:
    assert "openapiopenai.api.images_api" in loaded  # the call really ran through the API
    assert module not in loaded


def test_the_auth_setting_shapes_are_there_when_asked_for() -> None:
    from openapiopenai import _auth_settings, configuration

    shapes = _auth_settings.__all__
    assert len(shapes) == 6  # the generated module's shapes this client never builds
    for name in shapes:
        shape = getattr(configuration, name)
        assert shape.__name__ == name and "type" in shape.__annotations__
    assert configuration.BasicAuthSetting.__required_keys__ == {"type", "in", "key", "value"}
    assert set(shapes) <= set(dir(configuration))
    with pytest.raises(AttributeError, match="NoSuchSetting"):
        configuration.NoSuchSetting  # noqa: B018


# -- what outlives the main collection at exit -------------------------------------------
#
# At exit the interpreter empties sys.modules and collects; whatever is still reachable
# from something it keeps to the end (logging's fork hooks hold logging, and so its
# loggers and their filters) is freed only by later, dearer passes.  The type caches
# reach every model class, and through their methods every module, so nothing the
# package leaves on such a root may reach them.


GENERATE_ONLY = """
import gc, sys, typing, pydantic_core
import openapiopenai

def reaches(start, target, limit=500_000):
    # Whether target is reachable from start as at exit: sys.modules emptied, and the
    # weakref.finalize registry run (by atexit, before the interpreter collects).
    import weakref
    cut = {id(sys), id(sys.__dict__), id(sys.modules), id(weakref.finalize._registry)}
    seen, stack = {id(start)}, [start]
    while stack:
        for ref in gc.get_referents(stack.pop()):
            if ref is target:
                return True
            if id(ref) not in seen and id(ref) not in cut:
                seen.add(id(ref))
                stack.append(ref)
        assert len(seen) < limit
    return False

config = openapiopenai.Configuration(host=sys.argv[1], access_token=sys.argv[2], retries=0)
api = openapiopenai.ImagesApi(openapiopenai.ApiClient(config))
before = sys.getrefcount(pydantic_core.MISSING)
api.create_image(openapiopenai.CreateImageRequest(prompt="an otter", response_format="url"))
after_call = sys.getrefcount(pydantic_core.MISSING)
filters = sys.modules["logging"].getLogger("openapiopenai").filters
assert filters  # the redacting filter is installed
from_filter = reaches(filters[0], typing.__dict__)
namespace = {"uses": typing}
exec("import logging\\nclass F(logging.Filter):\\n    def f(self): return uses", namespace)
probe_sees = reaches(namespace["F"](), typing.__dict__)
openapiopenai.CreateImageRequest(prompt="x").model_dump_json()
print(before, after_call, sys.getrefcount(pydantic_core.MISSING), from_filter, probe_sees)
"""


@pytest.fixture(scope="module")
def generated() -> list[str]:
    return run_against_the_server(GENERATE_ONLY).split()


def test_the_log_filter_reaches_no_type_cache(generated: list[str]) -> None:
    *_, from_filter, probe_sees = generated
    assert from_filter == "False"
    assert probe_sees == "True"  # a filter whose module imports from typing does


def test_a_generation_body_is_written_without_pydantic_serializer(generated: list[str]) -> None:
    # pydantic's serializer, on its first use in a process, takes a reference to
    # pydantic_core.MISSING that the collector cannot see: a root that reaches the type
    # caches.  A generation's body is written by json instead (test_plain_body.py).
    before, after_call, after_dump = map(int, generated[:3])
    assert after_call == before
    assert after_dump > after_call  # the probe sees the serializer's reference
