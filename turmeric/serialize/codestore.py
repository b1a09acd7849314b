"""Code kept by hash (#10 item 4): the source of every module version a checkpoint names.

A checkpoint written by the `checkpoint` macro lists, in its header's "code" entry, the
module versions of the program that wrote it: `[[module, source hash], ...]` for every
module it had loaded from a file. The sources themselves go to the folder `.turmeric-code`
beside the checkpoint, one file per version, named by the hash of its text (`HASH.tm`),
written atomically and only once (a process remembers the versions it wrote, so a later
checkpoint of the same code costs a dictionary lookup per module).

The store is trusted because it is local and written by the program itself. A payload names
code only by hash; the text always comes from this folder and is checked against its name,
never from the payload bytes (spec/serialization.md §6, §10). A hash the store lacks is
simply not found: `turmeric resume --code saved` refuses it.
"""
from __future__ import annotations

import hashlib
import os
import re

from turmeric.data.errors import TurmericError
from turmeric.serialize.atomic import atomic_write

DIRNAME = ".turmeric-code"
SOURCE_HASH = re.compile(r"[0-9a-f]{32}")
MAX_SOURCE_BYTES = 16 << 20      # a larger module file is neither stored nor read


def source_hash(text: str) -> str:
    """The name of a module version: 32 hex digits of the SHA-256 of its source text."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


class CodeStore:
    """A folder of module sources named by hash. `memo` (a set of (folder, hash) already
    written) is kept by the caller across checkpoints."""

    def __init__(self, root: str, memo: set | None = None):
        self.root = root
        self.memo = memo if memo is not None else set()

    def path(self, h: str) -> str:
        return os.path.join(self.root, h + ".tm")

    def put(self, h: str, text: str) -> None:
        """Keep `text` (whose hash is h) unless this process wrote it here already or the file
        is there."""
        key = (self.root, h)
        if key in self.memo:
            return
        path = self.path(h)
        if not os.path.isfile(path):
            data = text.encode("utf-8", "surrogatepass")
            if len(data) > MAX_SOURCE_BYTES:
                return
            try:
                os.makedirs(self.root, exist_ok=True)
                atomic_write(path, data)
            except OSError as e:
                raise TurmericError("io", f"checkpoint: cannot keep the module source in {self.root}: "
                                          f"{e.strerror}") from None
        self.memo.add(key)

    def get(self, h) -> str | None:
        """The source text named h, or None when the store lacks it. A file whose content does
        not match its name is a `deserialize` error (the store was changed by hand)."""
        if not isinstance(h, str) or not SOURCE_HASH.fullmatch(h):
            return None
        try:
            with open(self.path(h), "rb") as f:
                data = f.read(MAX_SOURCE_BYTES + 1)
        except OSError:
            return None
        try:
            text = data.decode("utf-8", "surrogatepass")
        except UnicodeDecodeError:
            text = None
        if text is None or source_hash(text) != h:
            raise TurmericError("deserialize", f"the module source {self.path(h)} in the code store is corrupt "
                                               f"(its content does not match its name)")
        return text


def store_beside(path: str, memo: set | None = None) -> CodeStore:
    """The code store of the checkpoint file at `path`: the .turmeric-code folder beside it."""
    return CodeStore(os.path.join(os.path.dirname(os.path.abspath(path)), DIRNAME), memo)


def header_code(header) -> dict[str, str]:
    """module -> source hash, from a payload header's "code" entry ({} when it has none or
    it is malformed: the entry only ever selects files of the local store)."""
    code = header.get("code") if type(header) is dict else None
    out: dict[str, str] = {}
    if type(code) not in (tuple, list):
        return out
    for entry in code:
        if type(entry) in (tuple, list) and len(entry) == 2 and isinstance(entry[0], str) \
                and isinstance(entry[1], str) and SOURCE_HASH.fullmatch(entry[1]):
            out[entry[0]] = entry[1]
    return out
