"""``openapiopenai``: the Images API from the command line (stdlib ``argparse`` only).

::

    openapiopenai images generate "a watercolor otter" -n 2 --size 1024x1024 -o out/
    openapiopenai images edit "add a hat" --image otter.png --mask mask.png -o out/
    openapiopenai images variation otter.png -n 3 -o out/
    openapiopenai images generate "an otter" --local      # against an in-process test server

Images are saved to ``--output`` (default: the current directory) and their paths printed,
one per line; ``--json`` prints the response instead.  A prompt of ``-`` is read from
stdin.  While waiting, the elapsed time (and, when streaming, the partial images
received) is shown on stderr when stdout and stderr are terminals, ``TERM`` is not
``dumb`` and ``NO_COLOR`` is not set; otherwise no control codes are written at all.
``-v`` (or ``OPENAI_LOG=info``) logs each HTTP request to stderr, ``-vv`` (or
``OPENAI_LOG=debug``) with its headers, credentials redacted.
Exit status: 0 on success, 2 for a usage error (including a parameter the API would
reject), 1 when the API, the network or the output directory fails, with its one-line
message on stderr (the output directory is checked before the request is sent), 141 when
stdout was closed by its reader (``| head``) after the images were saved.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import IO, TYPE_CHECKING, Any, Literal, Optional, Union, get_args, get_origin

from openapiopenai._version import __version__

if TYPE_CHECKING:
    from openapiopenai.api.images_api import ImagesApi
    from openapiopenai.configuration import Configuration
    from openapiopenai.models.image import Image

__all__ = ["build_parser", "main"]

PROG = "openapiopenai"


def main(argv: Optional[Sequence[str]] = None, prog: str = PROG) -> int:
    """Run the command line; returns the exit status (0 ok, 1 API failure, 2 usage error)."""
    parser = build_parser(prog)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # argparse exits 2 on a usage error, 0 after --help
        return exit_.code if isinstance(exit_.code, int) else 2
    from openapiopenai.exceptions import (
        ApiException,
        ApiTypeError,
        ApiValueError,
        OpenApiException,
    )

    try:
        result: int = args.run(args)
    except (ApiValueError, ApiTypeError) as error:
        print(f"{prog}: error: {error}", file=sys.stderr)
        return 2
    except (ApiException, OpenApiException, OSError) as error:
        print(f"{prog}: error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130
    return result


# --------------------------------------------------------------------------- the parser


def build_parser(prog: str = PROG) -> argparse.ArgumentParser:
    """The ``openapiopenai`` argument parser: ``images generate|edit|variation`` and ``demo``."""
    from openapiopenai import _validation
    from openapiopenai.models import _fields
    from openapiopenai.models.create_image_request import CreateImageRequest

    parser = argparse.ArgumentParser(
        prog=prog, description="Create, edit and vary images with the OpenAI Images API."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    images = commands.add_parser("images", help="call the Images API")
    operations = images.add_subparsers(dest="operation", required=True, metavar="OPERATION")

    generate = operations.add_parser("generate", help="create images from a prompt")
    generate.add_argument("prompt", help=_PROMPT_HELP)
    _model_and_count(generate, _validation.GENERATION_RULES)
    quality = _choices(CreateImageRequest.model_fields["quality"].annotation)
    generate.add_argument("--quality", choices=quality, help="image quality")
    _response_format(generate)
    _gpt_output(generate, _fields)
    generate.add_argument("--size", help="e.g. 1024x1024 (the sizes depend on the model)")
    generate.add_argument("--moderation", choices=_choices(_fields.Moderation))
    generate.add_argument("--background", choices=_choices(_fields.Background))
    generate.add_argument("--style", choices=_choices(_fields.Style), help="dall-e-3 only")
    _user(generate)
    _streaming(generate)
    _common_options(generate)
    generate.set_defaults(run=_generate)

    edit = operations.add_parser("edit", help="edit or extend images given a prompt")
    edit.add_argument("prompt", help=_PROMPT_HELP)
    edit.add_argument(
        "--image",
        action="append",
        required=True,
        metavar="FILE",
        help="the image to edit (repeat for several images, GPT image models)",
    )
    edit.add_argument("--mask", metavar="FILE", help="PNG whose transparent areas are edited")
    _model_and_count(edit, _validation.EDIT_RULES)
    edit.add_argument("--size", help="e.g. 1024x1024 (the sizes depend on the model)")
    _response_format(edit)
    _user(edit)
    edit.add_argument("--background", choices=_choices(_fields.Background))
    edit.add_argument("--input-fidelity", choices=_choices(_fields.InputFidelity))
    _gpt_output(edit, _fields)
    edit.add_argument("--quality", help="image quality (low, medium, high, auto, standard)")
    _streaming(edit)
    _common_options(edit)
    edit.set_defaults(run=_edit)

    variation = operations.add_parser("variation", help="create variations of an image (dall-e-2)")
    variation.add_argument("image", metavar="IMAGE", help="the PNG image to vary")
    _model_and_count(variation, _validation.VARIATION_RULES)
    _response_format(variation)
    variation.add_argument("--size", help="256x256, 512x512 or 1024x1024")
    _user(variation)
    _common_options(variation)
    variation.set_defaults(run=_variation, stream=False)

    demo = commands.add_parser(
        "demo",
        help="run every operation against an in-process local server (no key, no network)",
    )
    demo.add_argument(
        "--output", "-o", default="demo-output", metavar="DIR", help="default: ./demo-output"
    )
    demo.set_defaults(run=_demo)

    from openapiopenai._cli_batch import add_commands

    add_commands(commands, _connection_options(), _configuration)

    from openapiopenai._cli_jobs import add_jobs_parser

    add_jobs_parser(commands, _connection_options(), _configuration)
    return parser


_PROMPT_HELP = "a text description of the desired image(s); - reads it from stdin"


def _connection_options() -> argparse.ArgumentParser:
    """The parent parser of the options that say where and how to connect."""
    parent = argparse.ArgumentParser(add_help=False)
    _add_connection_options(parent)
    return parent


def _common_options(common: argparse.ArgumentParser) -> None:
    _add_connection_options(common)
    out = common.add_argument_group("output")
    out.add_argument(
        "-o", "--output", metavar="DIR", help="directory to save the images in (default: .)"
    )
    out.add_argument("--prefix", default="image", help="file name prefix (default: image)")
    out.add_argument(
        "--overwrite", action="store_true", help="replace PREFIX-0.png... instead of numbering on"
    )
    out.add_argument(
        "--json",
        action="store_true",
        help="print the response JSON (one event per line with --stream); save only with -o",
    )
    out.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=0,
        help="log each HTTP request to stderr (-vv: with its headers, credentials redacted)",
    )


def _add_connection_options(parser: argparse.ArgumentParser) -> None:
    # --base-url and --local exclude each other through their actions: a mutually exclusive
    # group would leave the "connection" group in --help when shared through parents=.
    where = parser.add_argument_group("connection")
    where.add_argument(
        "--base-url",
        action=_BaseUrl,
        metavar="URL",
        help="API base URL (default: $OPENAI_BASE_URL or OpenAI's); not with --local",
    )
    where.add_argument(
        "--local",
        action=_Local,
        help="run against a local test server started in this process (no key, no network)",
    )
    where.add_argument("--api-key", metavar="KEY", help="API key (default: $OPENAI_API_KEY)")
    where.add_argument(
        "--timeout", type=_positive_float, metavar="SECONDS", help="per-request timeout"
    )


class _BaseUrl(argparse.Action):
    def __call__(
        self, parser: argparse.ArgumentParser, namespace: Any, values: Any, option: Any = None
    ) -> None:
        if getattr(namespace, "local", False):
            parser.error("argument --base-url: not allowed with argument --local")
        setattr(namespace, self.dest, values)


class _Local(argparse.Action):
    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, default=False, **kwargs)

    def __call__(
        self, parser: argparse.ArgumentParser, namespace: Any, values: Any, option: Any = None
    ) -> None:
        if getattr(namespace, "base_url", None) is not None:
            parser.error("argument --local: not allowed with argument --base-url")
        setattr(namespace, self.dest, True)


def _model_and_count(parser: argparse.ArgumentParser, models: Any) -> None:
    known = ", ".join(models)
    parser.add_argument("--model", help=f"{known} (another name is sent as given)")
    parser.add_argument("-n", "--n", type=int, metavar="N", help="how many images (1-10)")


def _response_format(parser: argparse.ArgumentParser) -> None:
    from openapiopenai.models._fields import ResponseFormat

    parser.add_argument("--response-format", choices=_choices(ResponseFormat))


def _gpt_output(parser: argparse.ArgumentParser, fields: Any) -> None:
    parser.add_argument("--output-format", choices=_choices(fields.OutputFormat))
    parser.add_argument(
        "--output-compression", type=int, metavar="0-100", help="for jpeg and webp output"
    )


def _user(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--user", help="an identifier of your end-user")


def _streaming(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--partial-images", type=int, metavar="0-3", help="partial images to stream"
    )
    parser.add_argument(
        "--stream", action="store_true", help="stream the result (GPT image models)"
    )


def _choices(annotation: Any) -> Optional[list[str]]:
    """The values of the ``Literal``s in ``annotation``; ``None`` if any string goes."""
    values: list[str] = []
    pending = [annotation]
    while pending:
        kind = pending.pop()
        if kind is str:
            return None
        if get_origin(kind) is Literal:
            values.extend(str(v) for v in get_args(kind))
        else:
            pending.extend(get_args(kind))
    return sorted(values) or None


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be greater than 0: {text!r}")
    return value


# --------------------------------------------------------------------------- the commands


def _given(args: argparse.Namespace, *names: str) -> dict[str, Any]:
    """The API parameters among ``names`` that were given on the command line."""
    return {name: getattr(args, name) for name in names if getattr(args, name) is not None}


def _read_prompt(args: argparse.Namespace) -> None:
    """A prompt of ``-`` is the text on stdin (without the final line break)."""
    if args.prompt != "-":
        return
    from openapiopenai.exceptions import ApiValueError

    text = sys.stdin.read().strip()
    if not text:
        raise ApiValueError("prompt: - reads the prompt from stdin, which was empty")
    args.prompt = text


def _generate(args: argparse.Namespace) -> int:
    _read_prompt(args)
    params = _given(
        args,
        "prompt",
        "model",
        "n",
        "quality",
        "response_format",
        "output_format",
        "output_compression",
        "size",
        "moderation",
        "background",
        "style",
        "user",
        "partial_images",
    )

    def call(api: ImagesApi, stream: bool) -> Any:
        # A dict, not a CreateImageRequest: the operation names the field at fault.
        if stream:
            return api.create_image_stream(params)
        return api.create_image_with_http_info(params)

    return _run(args, f"generating {_count(args.n)}", call)


def _edit(args: argparse.Namespace) -> int:
    _read_prompt(args)
    params = _given(
        args,
        "prompt",
        "mask",
        "model",
        "n",
        "size",
        "response_format",
        "user",
        "background",
        "input_fidelity",
        "output_format",
        "output_compression",
        "quality",
        "partial_images",
    )
    image = args.image[0] if len(args.image) == 1 else list(args.image)

    def call(api: ImagesApi, stream: bool) -> Any:
        if stream:
            return api.create_image_edit_stream(image, **params)
        return api.create_image_edit_with_http_info(image, **params)

    return _run(args, f"editing into {_count(args.n)}", call)


def _variation(args: argparse.Namespace) -> int:
    params = _given(args, "model", "n", "response_format", "size", "user")

    def call(api: ImagesApi, stream: bool) -> Any:
        return api.create_image_variation_with_http_info(args.image, **params)

    return _run(args, f"creating {_count(args.n, 'variation')}", call)


def _demo(args: argparse.Namespace) -> int:
    from openapiopenai._demo import run

    run(args.output)
    return 0


def _count(n: Optional[int], noun: str = "image") -> str:
    count = 1 if n is None else n
    return f"{count} {noun}" + ("" if count == 1 else "s")


def _run(args: argparse.Namespace, label: str, call: Any) -> int:
    """Connect, call with progress on a terminal, then save and print what came back.

    The output directory is checked before anything is sent (a call is billed); the
    images are saved before anything is printed, and a stdout closed by its reader
    (``| head``) stops the printing only, quietly.
    """
    import logging

    from openapiopenai import _logs
    from openapiopenai._results import save_images
    from openapiopenai.api.images_api import ImagesApi
    from openapiopenai.api_client import ApiClient

    if args.verbose:
        _logs.enable(logging.INFO if args.verbose == 1 else logging.DEBUG)
    out = _Stdout(sys.stdout)
    saving = not (args.json and args.output is None)
    folder = _OutputDirectory(args.output if args.output is not None else ".") if saving else None
    try:
        if folder is not None:  # saving nothing checks the prefix, before anything is sent
            save_images([], folder.path, args.prefix, overwrite=args.overwrite)
        with _configuration(args) as configuration, ApiClient(configuration) as client:
            api = ImagesApi(client)
            with _Progress(label, sys.stderr) as progress:
                if args.stream:
                    images, output_format = _consume_stream(call(api, True), args, progress, out)
                else:
                    info = call(api, False)
            if not args.stream:
                images, output_format = info.data.data, info.data.output_format
            paths: list[Path] = []
            if folder is not None:
                paths = save_images(
                    images,
                    folder.path,
                    args.prefix,
                    overwrite=args.overwrite,
                    output_format=output_format,
                    client=client,
                )
    except BaseException:
        if folder is not None:
            folder.remove_if_unused()
        raise
    if not args.json:
        for path in paths:
            out.line(str(path))
    elif not args.stream:
        out.line(info.raw_data.decode("utf-8", "replace").rstrip("\n"))
    return EXIT_STDOUT_CLOSED if out.closed else 0


#: The exit status when stdout was closed before everything was printed: 128 + SIGPIPE,
#: as for a command a closed pipe ends.  What was saved is saved.
EXIT_STDOUT_CLOSED = 141


class _Stdout:
    """stdout that its reader may close (``| head``): the writing then stops, quietly."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream
        self.closed = False

    def line(self, text: str) -> None:
        """Write ``text`` and a newline now (a no-op once the reader is gone)."""
        if self.closed:
            return
        try:
            self.stream.write(text + "\n")
            self.stream.flush()
        except BrokenPipeError:
            self.closed = True
            # What is still buffered must not fail again when Python exits.
            try:
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, self.stream.fileno())
                os.close(devnull)
            except (OSError, ValueError, AttributeError):  # not a real file
                pass


class _OutputDirectory:
    """The directory images are saved in, made and proven writable before the call.

    Directories made for it are removed again if the call fails and leaves them empty.
    """

    def __init__(self, directory: str) -> None:
        self.path = Path(directory)
        self._made: list[Path] = []
        missing = self.path
        while not missing.exists() and missing != missing.parent:
            self._made.insert(0, missing)
            missing = missing.parent
        try:
            for path in self._made:
                path.mkdir()
            descriptor, probe = tempfile.mkstemp(prefix=".openapiopenai-", dir=self.path)
            os.close(descriptor)
            os.unlink(probe)
        except OSError as e:
            self.remove_if_unused()
            reason = e.strerror or type(e).__name__
            # An OSError as saving would raise it (exit status 1), but before the call.
            raise OSError(
                f"--output: cannot write images to {str(self.path)!r}: {reason}"
            ) from None

    def remove_if_unused(self) -> None:
        """Remove the directories made for the output, if they are still empty."""
        for path in reversed(self._made):
            try:
                path.rmdir()
            except OSError:
                return
        self._made = []


def _consume_stream(
    stream: Any, args: argparse.Namespace, progress: _Progress, out: _Stdout
) -> tuple[list[Image], Optional[str]]:
    """Read a stream to its end: count partial images, keep the completed ones."""
    from openapiopenai.models.image import Image

    images: list[Image] = []
    output_format: Optional[str] = None
    with stream:
        for event in stream:
            if args.json:
                out.line(event.to_json())  # as it arrives; the stream is read on if closed
            if event.type.endswith(".partial_image"):
                progress.partial()
            elif event.type.endswith(".completed") and event.b64_json is not None:
                images.append(Image(b64_json=event.b64_json))
                output_format = event.output_format or output_format
    return images, output_format


@contextmanager
def _configuration(args: argparse.Namespace) -> Iterator[Configuration]:
    """The client configuration; with ``--local``, also the local server it points at."""
    from openapiopenai.configuration import Configuration

    options: dict[str, Any] = {}
    if args.timeout is not None:
        options["timeout"] = args.timeout
    if not args.local:
        yield Configuration(host=args.base_url, access_token=args.api_key, **options)
        return
    from openapiopenai.testing import ImagesServer

    with ImagesServer() as server:
        # An in-process loopback server: the environment's proxy could not reach it.
        yield Configuration(
            host=server.url, access_token=args.api_key or "sk-local", trust_env=False, **options
        )


class _Progress:
    """Elapsed time (and partial images) on one self-rewriting line, only on a terminal."""

    def __init__(self, label: str, stream: IO[str], interval: float = 0.1) -> None:
        self.label = label
        self.stream = stream
        self.interval = interval
        self.enabled = _is_terminal(stream) and _may_use_control_codes()
        self.partials = 0
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None
        self._started = time.monotonic()

    def __enter__(self) -> _Progress:
        if self.enabled:
            self._thread = threading.Thread(target=self._loop, name="progress", daemon=True)
            self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: Optional[type[BaseException]],
        exc_value: Optional[BaseException],
        traceback: Optional[TracebackType],
    ) -> None:
        if self._thread is not None:
            self._stop.set()
            self._thread.join()
            self.stream.write("\r\x1b[K")  # clear the line for what comes next
            self.stream.flush()

    def partial(self) -> None:
        """Count one more partial image received."""
        self.partials += 1

    def line(self) -> str:
        """The progress line as it reads now."""
        text = f"{self.label}: {time.monotonic() - self._started:.1f}s elapsed"
        if self.partials:
            plural = "" if self.partials == 1 else "s"
            text += f", {self.partials} partial image{plural} received"
        return text

    def _loop(self) -> None:
        while True:
            self.stream.write("\r\x1b[K" + self.line())
            self.stream.flush()
            if self._stop.wait(self.interval):
                return


def _may_use_control_codes() -> bool:
    """Whether the user's terminal takes ``\\r`` and ANSI codes: stdout is one too, ``TERM``
    is not ``dumb`` and ``NO_COLOR`` (https://no-color.org) is not set."""
    if os.environ.get("TERM") == "dumb" or os.environ.get("NO_COLOR"):
        return False
    return _is_terminal(sys.stdout)


def _is_terminal(stream: Union[IO[str], Any]) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False
