"""The export directory: staged writes, what an earlier export may lose, what it may not."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tg_parser.errors import InputError
from tg_parser.export.files import ExportDirectory, output_directory


def ours(*files: tuple[str, bytes]) -> bytes:
    """A manifest as tg-parser writes it, listing these files."""
    listed = [
        {"name": name, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
        for name, data in files
    ]
    return json.dumps({"generator": "tg-parser", "files": listed}).encode()


def test_a_failure_midway_changes_no_file(tmp_path: Path) -> None:
    directory = ExportDirectory(tmp_path)
    directory.prepare()
    with directory.staging():
        directory.write("kb_entries.ndjson", [b'{"old": 1}\n'])
        directory.write("topics.json", [b'{"old": 2}\n'])

    def failing() -> Iterator[bytes]:
        yield b'{"new": 2}\n'
        raise OSError(28, "No space left on device")

    again = ExportDirectory(tmp_path)
    with pytest.raises(InputError) as raised, again.staging():
        again.write("kb_entries.ndjson", [b'{"new": 1}\n'])
        again.write("topics.json", failing())
    assert raised.value.message == (
        f"cannot write the export into {tmp_path}: No space left on device "
        "(nothing was changed): free space or give --out another directory"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kb_entries.ndjson", "topics.json"]
    assert (tmp_path / "kb_entries.ndjson").read_bytes() == b'{"old": 1}\n'


def test_only_unchanged_files_of_our_own_manifest_are_stale(tmp_path: Path) -> None:
    old, edited = (b"{}\n", b"[1]\n")
    (tmp_path / "manifest.json").write_bytes(
        ours(("topic_old.json", old), ("topic_edited.json", edited), ("../outside.txt", old))
    )
    (tmp_path / "topic_old.json").write_bytes(old)
    (tmp_path / "topic_edited.json").write_bytes(b"[1, 2]\n")
    (tmp_path / "notes.txt").write_text("mine")
    directory = ExportDirectory(tmp_path)
    directory.prepare()
    with directory.staging():
        directory.write("topics.json", [b"{}\n"])

    assert directory.remove_stale() == ["topic_old.json"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "manifest.json",
        "notes.txt",
        "topic_edited.json",
        "topics.json",
    ]


@pytest.mark.parametrize(
    "manifest",
    [
        {"files": [{"name": "thesis.docx"}]},
        {"files": [{"name": "thesis.docx", "sha256": "x"}], "version": 3},
        {"generator": "something-else", "files": [{"name": "thesis.docx"}]},
        ["thesis.docx"],
    ],
)
def test_a_manifest_we_did_not_write_lists_nothing(tmp_path: Path, manifest: object) -> None:
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    assert ExportDirectory(tmp_path).previous_files() == {}


def test_a_manifest_of_an_earlier_version_is_ours(tmp_path: Path) -> None:
    """Exports before the ``generator`` key carried ``tg_parser_version``."""
    data = b"{}\n"
    manifest = json.loads(ours(("topic_a.json", data)))
    del manifest["generator"]
    manifest["tg_parser_version"] = "0.9.0"
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))

    assert ExportDirectory(tmp_path).previous_files() == {
        "topic_a.json": hashlib.sha256(data).hexdigest()
    }


def export(path: Path, files: dict[str, bytes], *, overwrite: bool = False) -> None:
    """What an export does with the directory: stage every file, the manifest last."""
    directory = ExportDirectory(path, overwrite=overwrite)
    directory.prepare()
    with directory.staging():
        for name, data in files.items():
            directory.write(name, [data])
        directory.write("manifest.json", [ours(*files.items())])


def refused(path: Path, files: dict[str, bytes]) -> str:
    """The message of an export refused for files it did not write; nothing was written."""
    before = contents(path)
    with pytest.raises(InputError) as raised:
        export(path, files)
    assert contents(path) == before
    return raised.value.message


def contents(path: Path) -> dict[str, bytes | None]:
    return {p.name: p.read_bytes() if p.is_file() else None for p in path.iterdir()}


def test_a_file_the_user_put_there_is_not_replaced(tmp_path: Path) -> None:
    (tmp_path / "topics.json").write_bytes(b'{"mine": true}\n')

    message = refused(tmp_path, {"kb_entries.ndjson": b"{}\n", "topics.json": b"{}\n"})

    assert message == (
        f"{tmp_path / 'topics.json'} was not written by tg-parser or was changed since, so the "
        "export wrote nothing: move it away, give --out another directory, or pass --overwrite "
        "to replace it"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["topics.json"]


def test_a_file_edited_since_the_export_is_not_replaced(tmp_path: Path) -> None:
    export(tmp_path, {"topics.json": b"{}\n", "topic_a.json": b"[]\n"})
    (tmp_path / "topic_a.json").write_text("my notes")

    message = refused(tmp_path, {"topics.json": b"{}\n", "topic_a.json": b"[1]\n"})

    assert message.startswith(f"{tmp_path / 'topic_a.json'} was not written by tg-parser")


def test_an_export_replaces_its_own_files(tmp_path: Path) -> None:
    export(tmp_path, {"topics.json": b"{}\n", "topic_a.json": b"[]\n"})
    export(tmp_path, {"topics.json": b'{"new": 1}\n', "topic_a.json": b"[1]\n"})

    assert (tmp_path / "topics.json").read_bytes() == b'{"new": 1}\n'
    assert (tmp_path / "topic_a.json").read_bytes() == b"[1]\n"


def test_a_file_that_already_holds_what_is_written_is_no_conflict(tmp_path: Path) -> None:
    (tmp_path / "topics.json").write_bytes(b"{}\n")

    export(tmp_path, {"topics.json": b"{}\n"})

    assert (tmp_path / "manifest.json").exists()


@pytest.mark.parametrize(
    "manifest", [b'{"files": []}', b"not json", json.dumps({"generator": "other"}).encode()]
)
def test_a_manifest_we_did_not_write_is_not_replaced(tmp_path: Path, manifest: bytes) -> None:
    (tmp_path / "manifest.json").write_bytes(manifest)

    message = refused(tmp_path, {"topics.json": b"{}\n"})

    assert message.startswith(f"{tmp_path / 'manifest.json'} was not written by tg-parser")


def test_every_conflict_is_named_the_first_few_in_full(tmp_path: Path) -> None:
    files = {f"topic_{n}.json": b"[]\n" for n in range(5)}
    for name in files:
        (tmp_path / name).write_text("mine")
    (tmp_path / "topics.json").mkdir()

    message = refused(tmp_path, files | {"topics.json": b"{}\n"})

    shown = ", ".join(str(tmp_path / f"topic_{n}.json") for n in range(3))
    assert message.startswith(f"{shown} and 3 more were not written by tg-parser or were ")
    assert message.endswith(
        "move them away, give --out another directory, or pass --overwrite to replace them"
    )


def test_overwrite_replaces_what_tg_parser_did_not_write(tmp_path: Path) -> None:
    (tmp_path / "topics.json").write_text("mine")
    (tmp_path / "manifest.json").write_text("mine too")

    export(tmp_path, {"topics.json": b"{}\n"}, overwrite=True)

    assert (tmp_path / "topics.json").read_bytes() == b"{}\n"
    assert json.loads((tmp_path / "manifest.json").read_bytes())["generator"] == "tg-parser"


def test_leftovers_of_an_interrupted_export_are_cleaned_up(tmp_path: Path) -> None:
    leftovers = [".kb_entries.ndjson.0a1b2c3d.tmp", ".topic_topic_tg_a_post_1.json.ffff0000.tmp"]
    for name in [*leftovers, "draft.tmp", ".mine.tmp"]:
        (tmp_path / name).write_text("partial")

    ExportDirectory(tmp_path).prepare()

    assert sorted(p.name for p in tmp_path.iterdir()) == [".mine.tmp", "draft.tmp"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "--out is empty: give the directory to write the knowledge base into"),
        ("  ", "--out is empty: give the directory to write the knowledge base into"),
        ("/", "--out '/' is the root of the file system: give a directory for the export"),
    ],
)
def test_output_directory_refuses_nothing_and_the_root(text: str, message: str) -> None:
    with pytest.raises(InputError) as raised:
        output_directory(text)
    assert raised.value.message == message


def test_output_directory(tmp_path: Path) -> None:
    assert output_directory(str(tmp_path / "kb")) == tmp_path / "kb"
    assert output_directory("kb") == Path("kb")
