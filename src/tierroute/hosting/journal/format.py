"""The bytes of a journal: segment names, the segment header, record frames, and the
scan that reads a segment back and checks every checksum.

A journal is a directory holding one *segment* file (two for a moment during
compaction) and a ``lock`` file. A segment is a 24-byte header followed by records;
its first record is the snapshot of the router the segment starts from, every later
record one call::

    header  magic b"\\x89TRJ\\r\\n\\x1a\\n" | format version u16 | flags u16
            | generation u64 | crc32 of the previous 20 bytes u32
    record  payload length u32 | crc32(payload) u32 | crc32 of those 8 bytes u32
            | payload: UTF-8 JSON

(all integers little-endian). What a payload holds is :mod:`.codec`'s business.
"""

from __future__ import annotations

import json
import struct
import zlib
from pathlib import Path
from typing import Any, Final, NamedTuple

from tierroute.errors import JournalCorrupt, JournalVersionError

__all__ = ["FORMAT_VERSION", "Scan", "file_header", "frame", "scan", "segment_name", "segments"]

FORMAT_VERSION: Final = 1
"""The journal format this release writes and the newest it reads (older ones are
upgraded on replay by :mod:`.migrations`)."""

_MAGIC: Final = b"\x89TRJ\r\n\x1a\n"
_FILE_HDR: Final = struct.Struct("<8sHHQI")
_REC_HDR: Final = struct.Struct("<III")
_LEN_CRC: Final = struct.Struct("<II")
_CRC: Final = struct.Struct("<I")
_SEGMENT_PREFIX: Final = "segment-"
_SEGMENT_SUFFIX: Final = ".trj"


def frame(payload: bytes) -> bytes:
    """``payload`` framed as a record: length, its checksum, the header's checksum."""
    head = _LEN_CRC.pack(len(payload), zlib.crc32(payload))
    return head + _CRC.pack(zlib.crc32(head)) + payload


def file_header(generation: int) -> bytes:
    """The header of segment ``generation``, in this release's format."""
    head = _FILE_HDR.pack(_MAGIC, FORMAT_VERSION, 0, generation, 0)[:-4]
    return head + _CRC.pack(zlib.crc32(head))


def segment_name(generation: int) -> str:
    """The file name of segment ``generation``."""
    return f"{_SEGMENT_PREFIX}{generation:010d}{_SEGMENT_SUFFIX}"


def segments(folder: Path) -> list[tuple[int, Path]]:
    """The segments in ``folder`` as ``(generation, path)``, oldest first."""
    found = []
    for p in folder.iterdir():
        name = p.name
        if name.startswith(_SEGMENT_PREFIX) and name.endswith(_SEGMENT_SUFFIX):
            digits = name[len(_SEGMENT_PREFIX) : -len(_SEGMENT_SUFFIX)]
            if digits.isdigit():
                found.append((int(digits), p))
    return sorted(found)


class Scan(NamedTuple):
    """A segment as read back by :func:`scan`."""

    path: Path
    version: int
    """The format version its header declares (its records are in that format)."""
    generation: int
    records: list[tuple[int, dict[str, Any]]]
    """``(byte offset, payload)`` of each whole record, the snapshot first."""
    end: int
    """End of the last whole record."""
    size: int
    torn: int | None
    """Offset of a torn last record, if any."""


def _header(path: Path, data: bytes) -> tuple[int, int]:
    """The format version and generation of a segment, its header checked."""
    size = len(data)
    if size < _FILE_HDR.size:
        raise JournalCorrupt(path, 0, f"segment header is cut short ({size} bytes)")
    magic, version, _flags, generation, crc = _FILE_HDR.unpack_from(data, 0)
    if magic != _MAGIC:
        raise JournalCorrupt(path, 0, "not a tierroute journal segment (bad magic)")
    if version > FORMAT_VERSION:
        raise JournalVersionError(path, version, FORMAT_VERSION)
    if version < 1:
        raise JournalCorrupt(path, 0, f"invalid format version {version}")
    if zlib.crc32(data[: _FILE_HDR.size - 4]) != crc:
        raise JournalCorrupt(path, 0, "segment header checksum mismatch")
    return version, generation


def scan(path: Path) -> Scan:
    """Read and check a segment; never changes the file.

    A damaged last record is *torn* (the process died while writing it): cut short,
    zero-filled (the file grew but the data never reached the disk) or, when it is
    the last bytes of the file, failing its checksum. Damage anywhere else is
    corruption.

    Raises:
        JournalCorrupt: Damage other than a torn last record (file and offset named).
        JournalVersionError: The segment is in a newer format.
    """
    data = path.read_bytes()
    size = len(data)
    version, generation = _header(path, data)
    records: list[tuple[int, dict[str, Any]]] = []
    off = _FILE_HDR.size
    torn: int | None = None
    while off < size:
        if size - off < _REC_HDR.size:
            torn = off
            break
        length, pcrc, hcrc = _REC_HDR.unpack_from(data, off)
        if zlib.crc32(data[off : off + _LEN_CRC.size]) != hcrc:
            if not data[off:].strip(b"\x00"):  # zero-filled tail of a lost write
                torn = off
                break
            raise JournalCorrupt(path, off, "record header checksum mismatch")
        end = off + _REC_HDR.size + length
        if end > size:
            torn = off
            break
        payload = data[off + _REC_HDR.size : end]
        if zlib.crc32(payload) != pcrc:
            if end == size:
                torn = off
                break
            raise JournalCorrupt(path, off, "record checksum mismatch")
        try:
            rec = json.loads(payload)
        except ValueError:
            raise JournalCorrupt(path, off, "record is not valid JSON") from None
        if not isinstance(rec, dict) or not isinstance(rec.get("op"), str):
            raise JournalCorrupt(path, off, "record is not a journal entry")
        records.append((off, rec))
        off = end
    if not records or records[0][1]["op"] != "snapshot":
        raise JournalCorrupt(path, _FILE_HDR.size, "segment does not start with a snapshot")
    return Scan(path, version, generation, records, off if torn is None else torn, size, torn)
