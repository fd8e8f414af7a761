"""What a process that only generates images loads: the start-up cost is paid for what it uses.

Each check runs a fresh interpreter that makes one ``create_image`` call against the local
server, then lists the modules it loaded.  Not a timing: which code runs at start-up.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator

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


@pytest.fixture(scope="module")
def loaded() -> Iterator[set[str]]:
    with ImagesServer(api_keys=[API_KEY]) as server:
        out = subprocess.run(
            [sys.executable, "-c", ONE_CALL, server.url, API_KEY],
            capture_output=True,
            text=True,
            check=True,
            cwd=REPO,
            timeout=60,
        ).stdout
    yield set(json.loads(out))


@pytest.mark.parametrize("module", NOT_AT_START)
def test_a_generation_only_process_does_not_load(loaded: set[str], module: str) -> None:
    assert "openapiopenai.api.images_api" in loaded  # the call really ran through the API
    assert module not in loaded


def test_the_auth_setting_shapes_are_there_when_asked_for() -> None:
    from openapiopenai import configuration

    shapes = [
        "APIKeyAuthSetting",
        "BasicAuthSetting",
        "BearerFormatAuthSetting",
        "GenericAuthSetting",
        "HTTPSignatureAuthSetting",
        "OAuth2AuthSetting",
    ]
    for name in shapes:
        shape = getattr(configuration, name)
        assert shape.__name__ == name and "type" in shape.__annotations__
    assert configuration.BasicAuthSetting.__required_keys__ == {"type", "in", "key", "value"}
    with pytest.raises(AttributeError, match="NoSuchSetting"):
        configuration.NoSuchSetting  # noqa: B018
