"""Reading catalog files (JSON, JSONL, CSV) into product and scene objects with line numbers.

Readers stream: they yield one :class:`SourceProduct` / :class:`SourceScene`
at a time (decoded JSON-like objects, not yet validated) together with the
line they came from, so the importer can say "file:line: field: why".
Problems that make a whole file unreadable (not UTF-8, no header, not the
catalog format) raise :class:`FileProblem`; problems of one record are
yielded as :class:`SourceIssue` so that ``--skip-invalid`` can go on.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import json
import operator
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kiosk.records import FORMAT_NAME, FORMAT_VERSION

FORMATS = ("json", "jsonl", "csv")
_EXTENSIONS = {".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv"}

# ----------------------------------------------------------------- CSV layout

#: Columns a CSV file must have.
CSV_REQUIRED = ("product_id", "sku", "name", "price", "currency")
#: Columns with a meaning; ``option:<Name>`` columns come on top.
CSV_COLUMNS = (
    "product_id", "sku", "barcode", "name", "brand", "category", "price", "currency", "description",
    "image_url", "aisle", "bay", "stock",
    # optional
    "variant_id", "variant_title", "compare_at_price", "tags", "online_url", "online_available",
    "platform_product_id", "platform_variant_id", "variant_image", "featured", "updated_at",
)
#: Product-level columns: the same for every row of a product (blank = same as above).
CSV_PRODUCT_COLUMNS = ("name", "brand", "category", "description", "online_url", "platform_product_id",
                       "featured", "updated_at")
OPTION_PREFIX = "option:"
# Several barcodes, images or tags in one cell are separated by "|".
LIST_SEPARATOR = "|"
_BARCODE_SPLIT_RE = re.compile(r"[|,;\s]+")
_TRUE = {"true", "yes", "y", "1"}
_FALSE = {"false", "no", "n", "0", ""}

# Record field (as parse_product names it) -> CSV column, for error messages.
_VARIANT_FIELD_COLUMNS = {
    "id": "variant_id", "sku": "sku", "title": "variant_title", "price": "price",
    "compare_at_price": "compare_at_price", "currency": "currency", "barcodes": "barcode", "stock": "stock",
    "online_available": "online_available", "aisle": "aisle", "bay": "bay",
    "platform_variant_id": "platform_variant_id", "image": "variant_image",
}
_PRODUCT_FIELD_COLUMNS = {
    "id": "product_id", "images": "image_url", "variants": "sku",
}


class FileProblem(Exception):
    """The file as a whole cannot be read (nothing of it is imported).

    Attributes:
        line: Line the problem was found on (1-based), or 0.
        field: What is wrong ("file", "encoding", "header", "format", "json").
        message: Why, and what to do.
    """

    def __init__(self, line: int, field: str, message: str) -> None:
        super().__init__(f"line {line}: {field}: {message}")
        self.line = line
        self.field = field
        self.message = message


class NotGrouped(Exception):
    """A CSV product's rows are not next to each other (the reader needs a second pass)."""


@dataclass(slots=True)
class SourceProduct:
    """A product object read from a file, not yet validated.

    Attributes:
        line: Line where the product starts.
        obj: The product in the catalog format (decoded JSON).
        variant_lines: CSV only: the line of each variant's row.
        field_lines: CSV only: the line that gave each product-level column.
        row_errors: CSV only: rows already refused while assembling the
            product, as (line, column, message).
    """

    line: int
    obj: Any
    variant_lines: list[int] | None = None
    field_lines: dict[str, int] | None = None
    row_errors: list[tuple[int, str, str]] = field(default_factory=list)

    @property
    def product_id(self) -> str | None:
        """The product's id if it has a usable one."""
        pid = self.obj.get("id") if isinstance(self.obj, dict) else None
        return pid.strip() if isinstance(pid, str) else None

    def locate(self, record_field: str) -> tuple[int, str]:
        """The line and field name to report for a record field path.

        For CSV, ``variants[3].price`` becomes the line of the fourth row
        and the column ``price``.
        """
        if self.variant_lines is None:
            return self.line, record_field
        m = re.match(r"variants\[(\d+)\](?:\.(\w+))?(?:\.(.+)|\[\d+\])?$", record_field)
        if m:
            i = int(m.group(1))
            line = self.variant_lines[i] if i < len(self.variant_lines) else self.line
            sub = m.group(2)
            if sub == "options":
                return line, OPTION_PREFIX + (m.group(3) or "")
            return line, _VARIANT_FIELD_COLUMNS.get(sub or "", sub or "sku")
        top = re.split(r"[.\[]", record_field, maxsplit=1)[0]
        column = _PRODUCT_FIELD_COLUMNS.get(top, top)
        return (self.field_lines or {}).get(column, self.line), column

    def variant_index(self, record_field: str) -> int | None:
        """Which variant a field path points into (``variants[3].price`` -> 3)."""
        m = re.match(r"variants\[(\d+)\]", record_field)
        return int(m.group(1)) if m else None


@dataclass(slots=True)
class SourceScene:
    """A scene object read from a file, not yet validated."""

    line: int
    obj: Any


@dataclass(slots=True)
class SourceIssue:
    """One record that could not even be decoded (bad JSON on a JSONL line)."""

    line: int
    field: str
    message: str


SourceItem = SourceProduct | SourceScene | SourceIssue


def detect_format(path: Path, head: bytes | None = None) -> str:
    """Guess the format from the extension, else from the first bytes.

    Args:
        path: The file.
        head: Its first bytes, if already read.

    Returns:
        ``"json"``, ``"jsonl"`` or ``"csv"``.
    """
    ext = _EXTENSIONS.get(path.suffix.lower())
    if ext:
        return ext
    if head is None:
        with path.open("rb") as fh:
            head = fh.read(65536)
    text = head.decode("utf-8-sig", errors="replace").lstrip()
    if not text.startswith("{"):
        return "csv"
    first = text.split("\n", 1)[0].strip()
    try:
        obj = json.loads(first)
    except ValueError:
        return "json"  # an object spread over several lines: a catalog file
    return "json" if isinstance(obj, dict) and "format" in obj else "jsonl"


def _bad_encoding(path: Path) -> FileProblem:
    """Find the first line that is not UTF-8 and say so."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as fh:
        for lineno, raw in enumerate(fh, 1):
            try:
                decoder.decode(raw)
            except UnicodeDecodeError as exc:
                byte = raw[exc.start:exc.start + 1].hex().upper()
                return FileProblem(lineno, "encoding",
                                   f"not UTF-8 text (byte 0x{byte} at column {exc.start + 1}); "
                                   "save the file as UTF-8 (in a spreadsheet: CSV UTF-8)")
    return FileProblem(0, "encoding", "not UTF-8 text; save the file as UTF-8")


def _open_text(path: Path) -> io.TextIOWrapper:
    # utf-8-sig drops the byte-order mark spreadsheet programs put first.
    return open(path, encoding="utf-8-sig", newline="")


# --------------------------------------------------------------------- JSONL


def read_jsonl(path: Path) -> Iterator[SourceItem]:
    """One product object per line; blank lines are skipped."""
    seen_any = False
    try:
        with _open_text(path) as fh:
            for lineno, line in enumerate(fh, 1):
                text = line.strip()
                if not text:
                    continue
                seen_any = True
                try:
                    obj = json.loads(text)
                except json.JSONDecodeError as exc:
                    yield SourceIssue(lineno, "json", f"not valid JSON: {exc.msg} (column {exc.colno})")
                    continue
                if isinstance(obj, dict) and obj.get("format") == FORMAT_NAME:
                    raise FileProblem(lineno, "format",
                                      "this is a JSON catalog file, not JSONL; import it with --format json")
                yield SourceProduct(lineno, obj)
    except UnicodeDecodeError:
        raise _bad_encoding(path) from None
    if not seen_any:
        raise FileProblem(1, "file", "is empty: no products in it")


# ---------------------------------------------------------------------- JSON

_WS_RE = re.compile(r"[ \t\n\r]*")


class _JsonWalker:
    """Walks a catalog document, decoding one product or scene at a time with its line."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.line = 1
        self._line_pos = 0
        self.decoder = json.JSONDecoder()

    def line_at(self, pos: int) -> int:
        # Positions only move forward, so counting newlines incrementally
        # keeps this linear in the file size.
        self.line += self.text.count("\n", self._line_pos, pos)
        self._line_pos = pos
        return self.line

    def skip_ws(self) -> None:
        self.pos = _WS_RE.match(self.text, self.pos).end()  # type: ignore[union-attr]

    def expect(self, ch: str, what: str) -> None:
        self.skip_ws()
        if self.text[self.pos:self.pos + 1] != ch:
            found = self.text[self.pos:self.pos + 1] or "the end of the file"
            raise FileProblem(self.line_at(self.pos), "json", f"expected {what} but found {found!r}")
        self.pos += 1

    def peek(self) -> str:
        self.skip_ws()
        return self.text[self.pos:self.pos + 1]

    def value(self) -> tuple[Any, int]:
        self.skip_ws()
        start = self.pos
        try:
            obj, self.pos = self.decoder.raw_decode(self.text, self.pos)
        except json.JSONDecodeError as exc:
            raise FileProblem(exc.lineno, "json", f"not valid JSON: {exc.msg} (column {exc.colno})") from None
        return obj, self.line_at(start)

    def items(self) -> Iterator[tuple[Any, int]]:
        """The elements of an array, each with the line it starts on."""
        self.expect("[", "a list '['")
        if self.peek() == "]":
            self.pos += 1
            return
        while True:
            yield self.value()
            nxt = self.peek()
            if nxt == ",":
                self.pos += 1
                continue
            self.expect("]", "',' or ']' after a list entry")
            return


def read_json(path: Path) -> Iterator[SourceItem]:
    """A catalog document ``{"format": "kiosk-catalog", "version": 1, "products": [...], "scenes": [...]}``."""
    try:
        with _open_text(path) as fh:
            text = fh.read()
    except UnicodeDecodeError:
        raise _bad_encoding(path) from None
    if not text.strip():
        raise FileProblem(1, "file", "is empty")
    walker = _JsonWalker(text)
    walker.skip_ws()
    if walker.peek() == "[":
        raise FileProblem(1, "format", "the file is a bare list; a catalog file is an object "
                                       f'{{"format": "{FORMAT_NAME}", "version": {FORMAT_VERSION}, "products": [...]}}')
    walker.expect("{", "a catalog object '{'")
    meta: dict[str, Any] = {}
    seen_lists = False
    if walker.peek() == "}":
        walker.pos += 1
    else:
        while True:
            key, line = walker.value()
            if not isinstance(key, str):
                raise FileProblem(line, "json", "expected a key in quotes")
            walker.expect(":", "':' after a key")
            if key in ("products", "scenes"):
                if not seen_lists:
                    # "format" and "version" must come before the lists so
                    # that we know what we read before importing anything.
                    _check_header(meta, line)
                seen_lists = True
                for obj, oline in walker.items():
                    yield SourceProduct(oline, obj) if key == "products" else SourceScene(oline, obj)
            else:
                meta[key], _ = walker.value()
            if walker.peek() == ",":
                walker.pos += 1
                continue
            walker.expect("}", "',' or '}' after a value")
            break
    walker.skip_ws()
    if walker.pos != len(text):
        raise FileProblem(walker.line_at(walker.pos), "json", "unexpected text after the catalog object")
    if not seen_lists:
        _check_header(meta, 1)
        raise FileProblem(1, "products", 'is missing: a catalog file lists its products under "products"')


def _check_header(meta: dict[str, Any], line: int) -> None:
    fmt = meta.get("format")
    if fmt != FORMAT_NAME:
        raise FileProblem(line, "format",
                          f'must be "{FORMAT_NAME}" and come first in the file, got {fmt!r}' if fmt is not None
                          else f'is missing: a catalog file starts with {{"format": "{FORMAT_NAME}", '
                               f'"version": {FORMAT_VERSION}, ...')
    version = meta.get("version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise FileProblem(line, "version", f"must be the number {FORMAT_VERSION}, got {version!r}")
    if version > FORMAT_VERSION:
        raise FileProblem(line, "version", f"{version} is newer than this kiosk understands ({FORMAT_VERSION}); "
                                           "update the kiosk software")
    if version < 1:
        raise FileProblem(line, "version", f"must be {FORMAT_VERSION}, got {version}")


# ----------------------------------------------------------------------- CSV


@dataclass(slots=True)
class _Header:
    columns: list[str]  # normalised column name per cell position
    index: dict[str, int]
    options: list[tuple[str, int]]  # (option name, cell position)
    product_cols: list[tuple[str, int]] = field(default_factory=list)
    # (record key, cell position) of the variant's plain text fields.
    variant_text: list[tuple[str, int]] = field(default_factory=list)
    pos: dict[str, int] = field(default_factory=dict)  # column -> position, -1 when absent
    # The product-level cells of a row, in one C call.
    product_cells: Any = None

    def prepare(self) -> None:
        """Precompute cell positions: the row loop runs 200,000 times."""
        idx = self.index
        self.product_cols = [(c, idx[c]) for c in CSV_PRODUCT_COLUMNS if c in idx]
        self.product_cells = operator.itemgetter(*(at for _, at in self.product_cols)) if self.product_cols else None
        self.variant_text = [(key, idx[col]) for col, key in (
            ("sku", "sku"), ("price", "price"), ("currency", "currency"), ("variant_title", "title"),
            ("aisle", "aisle"), ("bay", "bay"), ("platform_variant_id", "platform_variant_id"),
            ("variant_image", "image")) if col in idx]
        self.pos = {c: idx.get(c, -1) for c in ("product_id", "variant_id", "compare_at_price", "barcode", "stock",
                                                 "online_available", "image_url", "tags")}


def _parse_header(cells: list[str], line: int) -> tuple[_Header, list[str]]:
    columns: list[str] = []
    index: dict[str, int] = {}
    options: list[tuple[str, int]] = []
    unknown: list[str] = []
    known = set(CSV_COLUMNS)
    for pos, raw in enumerate(cells):
        name = raw.strip()
        low = name.lower().replace(" ", "_")
        if low.startswith(OPTION_PREFIX):
            opt = name[len(OPTION_PREFIX):].strip()
            if not opt:
                raise FileProblem(line, "header", f"column {pos + 1} is {raw!r}: name the option, e.g. option:Colour")
            col = OPTION_PREFIX + opt
            options.append((opt, pos))
        else:
            col = low
            if col and col not in known:
                unknown.append(name)
        if col in index and col:
            raise FileProblem(line, "header", f"column {col!r} appears twice (columns {index[col] + 1} and {pos + 1})")
        if col:
            index[col] = pos
        columns.append(col)
    missing = [c for c in CSV_REQUIRED if c not in index]
    if missing:
        raise FileProblem(line, "header",
                          f"missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)}; the first line must "
                          f"name the columns (at least {', '.join(CSV_REQUIRED)})")
    warnings = [f"column {u!r} is not a catalog column and was ignored" for u in unknown]
    header = _Header(columns, index, options)
    header.prepare()
    return header, warnings


class _Group:
    """The rows of one CSV product being assembled into a product object."""

    __slots__ = ("pid", "line", "product", "raw", "variants", "variant_lines", "field_lines", "images", "tags",
                 "row_errors", "seen_product_cells", "seen_images", "seen_tags")

    def __init__(self, pid: str, line: int) -> None:
        self.pid = pid
        self.line = line
        self.product: dict[str, Any] = {"id": pid}
        self.raw: dict[str, str] = {}  # product-level column -> its text as first given
        self.variants: list[dict[str, Any]] = []
        self.variant_lines: list[int] = []
        self.field_lines: dict[str, int] = {}
        self.images: list[str] = []
        self.tags: list[str] = []
        self.row_errors: list[tuple[int, str, str]] = []
        # The product-level cells, images and tags of the last good row: a
        # row that repeats them (the usual export) has nothing new to check.
        self.seen_product_cells: Any = None
        self.seen_images: str | None = None
        self.seen_tags: str | None = None

    def source(self) -> SourceProduct:
        obj = self.product
        obj["images"] = self.images
        obj["tags"] = self.tags
        obj["variants"] = self.variants
        return SourceProduct(self.line, obj, self.variant_lines, self.field_lines, self.row_errors)


def _split_list(text: str) -> list[str]:
    if LIST_SEPARATOR not in text:
        text = text.strip()
        return [text] if text else []
    return [part.strip() for part in text.split(LIST_SEPARATOR) if part.strip()]


def _csv_bool(text: str, column: str) -> bool:
    low = text.strip().lower()
    if low in _TRUE:
        return True
    if low in _FALSE:
        return False
    raise _RowError(column, f"{text!r} is not true/false (use true, false, yes, no, 1 or 0)")


class _RowError(ValueError):
    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column = column
        self.message = message


def _product_value(col: str, raw: str) -> Any:
    if col == "category":
        return [level.strip() for level in raw.split(">")]
    if col == "featured":
        return _csv_bool(raw, col)
    return raw


def _add_row(group: _Group, header: _Header, cells: list[str], line: int) -> None:
    """Fold one CSV row into its product; a bad row is recorded and left out."""
    pos = header.pos
    product_cells = header.product_cells(cells) if header.product_cells is not None else None
    try:
        # Product-level columns: blank means "same as above"; a different
        # value on a later row of the same product is a mistake to report.
        staged: list[tuple[str, str, Any]] = []
        for col, at in header.product_cols if product_cells != group.seen_product_cells else ():
            raw = cells[at]
            if not raw or raw.isspace():
                continue
            first = group.raw.get(col)
            if first == raw:
                continue
            value = _product_value(col, raw)
            if first is not None and group.product[col] != value:
                raise _RowError(col, f"{raw!r} differs from line {group.field_lines.get(col, group.line)} for the "
                                     f"same product_id {group.pid!r} (leave it blank on later rows)")
            if first is None:
                staged.append((col, raw, value))
        variant: dict[str, Any] = {key: cells[at] for key, at in header.variant_text}
        at = pos["variant_id"]
        if at >= 0:
            vid = cells[at].strip()
            if vid:
                variant["id"] = vid
        at = pos["compare_at_price"]
        variant["compare_at_price"] = (cells[at].strip() or None) if at >= 0 else None
        at = pos["barcode"]
        codes = cells[at].strip() if at >= 0 else ""
        if codes.isdigit():
            variant["barcodes"] = [codes]
        else:
            variant["barcodes"] = [c for c in _BARCODE_SPLIT_RE.split(codes) if c] if codes else []
        at = pos["stock"]
        stock = cells[at].strip() if at >= 0 else ""
        if stock:
            if stock.isdigit() and stock.isascii():
                variant["stock"] = int(stock)
            elif re.fullmatch(r"-[0-9]+", stock):
                variant["stock"] = int(stock)  # parse_product says why negative stock is refused
            else:
                raise _RowError("stock", f"{stock!r} is not a whole number")
        at = pos["online_available"]
        if at >= 0:
            variant["online_available"] = _csv_bool(cells[at], "online_available")
        options = {}
        for name, at in header.options:
            value = cells[at]
            if value and not value.isspace():
                options[name] = value
        variant["options"] = options
    except _RowError as exc:
        group.row_errors.append((line, exc.column, exc.message))
        return
    for col, raw, value in staged:
        group.raw[col] = raw
        group.product[col] = value
        group.field_lines[col] = line
    group.seen_product_cells = product_cells
    at = pos["image_url"]
    if at >= 0 and cells[at] and cells[at] != group.seen_images:
        group.seen_images = cells[at]
        for ref in _split_list(cells[at]):
            if ref not in group.images:
                group.images.append(ref)
    at = pos["tags"]
    if at >= 0 and cells[at] and cells[at] != group.seen_tags:
        group.seen_tags = cells[at]
        for tag in _split_list(cells[at]):
            if tag not in group.tags:
                group.tags.append(tag)
    group.variants.append(variant)
    group.variant_lines.append(line)


def _csv_rows(path: Path, warnings: list[str], start: int | None = None) -> Iterator[tuple[int, _Header, list[str]]]:
    """(line, header, cells) for each non-blank data row.

    Args:
        path: The CSV file.
        warnings: Receives notes on the header.
        start: Read the data rows from this byte offset (a row start) on
            instead of after the header; lines are then counted from there
            (for :mod:`kiosk.import_parallel`, which splits a file).
    """
    try:
        with _open_text(path) as fh, contextlib.ExitStack() as stack:
            reader = csv.reader(fh, strict=False)
            try:
                header_cells = next(reader, None)
                while header_cells is not None and not any(c.strip() for c in header_cells):
                    header_cells = next(reader, None)
            except csv.Error as exc:
                raise FileProblem(reader.line_num, "csv", f"cannot read the header: {exc}") from None
            if header_cells is None:
                raise FileProblem(1, "file", "is empty: expected a header line such as "
                                             f"{','.join(CSV_COLUMNS[:13])}")
            header, header_warnings = _parse_header(header_cells, reader.line_num)
            warnings.extend(header_warnings)
            width = len(header.columns)
            prev = reader.line_num
            if start is not None:
                part = stack.enter_context(open(path, "rb"))
                part.seek(start)
                reader = csv.reader(io.TextIOWrapper(part, encoding="utf-8", newline=""), strict=False)
                prev = 0
            while True:
                try:
                    cells = next(reader)
                except StopIteration:
                    return
                except csv.Error as exc:
                    raise FileProblem(prev + 1, "csv", f"cannot read this line: {exc}") from None
                line = prev + 1  # where the row starts (a quoted cell may span lines)
                prev = reader.line_num
                if not "".join(cells).strip():  # blank row (one C call, not one per cell)
                    continue
                n = len(cells)
                if n > width and any(c.strip() for c in cells[width:]):
                    yield line, header, [*cells[:width - 1], f"\0extra:{n}"]
                    continue
                if n < width:  # spreadsheets drop trailing empty cells
                    cells.extend([""] * (width - n))
                yield line, header, cells
    except UnicodeDecodeError:
        raise _bad_encoding(path) from None


def read_csv(path: Path, warnings: list[str], *, grouped: bool = True) -> Iterator[SourceItem]:
    """One product per run of rows with the same ``product_id``.

    Args:
        path: The CSV file.
        warnings: Receives notes that do not stop the import (ignored columns).
        grouped: Expect each product's rows to be next to each other (one
            pass; raises :class:`NotGrouped` otherwise). With ``False``,
            rows may come in any order: a first pass counts each product's
            rows and a product is emitted when its last row has been read.
    """
    if grouped:
        yield from _read_csv_grouped(path, warnings)
    else:
        yield from _read_csv_scattered(path, warnings)


def _row_issue(line: int, cells: list[str], header: _Header) -> SourceIssue | None:
    if cells and cells[-1].startswith("\0extra:"):
        n = cells[-1].split(":", 1)[1]
        return SourceIssue(line, "row", f"has {n} cells but the header names {len(header.columns)} columns "
                                        "(a comma inside a value needs quotes)")
    return None


def _row_pid(line: int, cells: list[str], header: _Header) -> str | SourceIssue:
    """The row's product id, or the issue that makes the row unusable."""
    issue = _row_issue(line, cells, header)
    if issue:
        return issue
    pid = cells[header.index["product_id"]].strip()
    if not pid:
        return SourceIssue(line, "product_id", "is empty; every row needs the id of its product")
    return pid


def _read_csv_grouped(path: Path, warnings: list[str]) -> Iterator[SourceItem]:
    group: _Group | None = None
    done: set[str] = set()
    for line, header, cells in _csv_rows(path, warnings):
        pid = _row_pid(line, cells, header)
        if isinstance(pid, SourceIssue):
            yield pid
            continue
        if group is None or pid != group.pid:
            if group is not None:
                done.add(group.pid)
                yield group.source()
            if pid in done:
                raise NotGrouped(pid)
            group = _Group(pid, line)
        _add_row(group, header, cells, line)
    if group is not None:
        yield group.source()


def _read_csv_scattered(path: Path, warnings: list[str]) -> Iterator[SourceItem]:
    counts: dict[str, int] = {}
    for line, header, cells in _csv_rows(path, []):
        pid = _row_pid(line, cells, header)
        if isinstance(pid, str):
            counts[pid] = counts.get(pid, 0) + 1
    open_groups: dict[str, _Group] = {}
    for line, header, cells in _csv_rows(path, warnings):
        pid = _row_pid(line, cells, header)
        if isinstance(pid, SourceIssue):
            yield pid
            continue
        group = open_groups.get(pid)
        if group is None:
            group = open_groups[pid] = _Group(pid, line)
        _add_row(group, header, cells, line)
        counts[pid] -= 1
        if counts[pid] == 0:
            del open_groups[pid]
            yield group.source()
    for group in open_groups.values():  # only if the file changed between passes
        yield group.source()


def read_items(path: Path, fmt: str, warnings: list[str], *, grouped: bool = True) -> Iterator[SourceItem]:
    """The items of a catalog file of format ``fmt``."""
    if fmt == "json":
        return read_json(path)
    if fmt == "jsonl":
        return read_jsonl(path)
    if fmt == "csv":
        return read_csv(path, warnings, grouped=grouped)
    raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
