"""Generators of small-but-hostile workbooks: each is built in well under a second and a few MB at most.

The xlsx files are written by hand (a minimal SpreadsheetML package) so that a test controls exactly what is
inside: formulas with cached values, external links, a VBA project, huge declared sizes, far-away cells.
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from pathlib import Path
from xml.sax.saxutils import escape

from etl.read import column_letter

REGISTER_HEADER = ["Tanggal Lapor", "Kecamatan", "Jenis Kelamin", "Umur", "Jenis Kekerasan"]
REGISTER_ROWS = [["05/11/2024", "Kotabaru", "P", 9, "Pencabulan"],
                 ["07/11/2024", "Jambi Timur", "L", 12, "Penganiayaan"]]
_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" ' \
      'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"




def cell_xml(ref: str, value) -> str:
    """A cell: str -> inline string, number -> number, dict(f=..., v=...) -> formula with its cached value."""
    if isinstance(value, dict):
        cached = value["v"]
        kind = ' t="str"' if isinstance(cached, str) else ""
        return f'<c r="{ref}"{kind}><f>{escape(value["f"])}</f><v>{escape(str(cached))}</v></c>'
    if isinstance(value, str):
        return f'<c r="{ref}" t="inlineStr"><is><t>{escape(value)}</t></is></c>'
    return f'<c r="{ref}"><v>{value}</v></c>'


def sheet_xml(rows: list[list]) -> str:
    body = "".join(f'<row r="{r + 1}">' + "".join(cell_xml(f"{column_letter(c)}{r + 1}", v) for c, v in enumerate(row)
                                                  if v is not None) + "</row>" for r, row in enumerate(rows))
    return f'<?xml version="1.0" encoding="UTF-8"?><worksheet {_NS}><sheetData>{body}</sheetData></worksheet>'


def write_xlsx(path: Path, sheets: dict[str, list[list] | str], *, macro: bool = False,
               external_link: str | None = None) -> Path:
    """A minimal workbook; a sheet given as str is used as its raw XML."""
    main_type = ("application/vnd.ms-excel.sheet.macroEnabled.main+xml" if macro
                 else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml")
    overrides = [f'<Override PartName="/xl/workbook.xml" ContentType="{main_type}"/>']
    rels, sheet_entries = [], []
    for i, name in enumerate(sheets, start=1):
        overrides.append(f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/'
                         'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>')
        rels.append(f'<Relationship Id="rId{i}" Type="{_REL}/worksheet" Target="worksheets/sheet{i}.xml"/>')
        sheet_entries.append(f'<sheet name="{escape(name, {chr(34): "&quot;"})}" sheetId="{i}" r:id="rId{i}"/>')
    extra = ""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        if external_link:
            rels.append(f'<Relationship Id="rIdX" Type="{_REL}/externalLink" Target="externalLinks/externalLink1.xml"/>')
            overrides.append('<Override PartName="/xl/externalLinks/externalLink1.xml" ContentType="application/'
                             'vnd.openxmlformats-officedocument.spreadsheetml.externalLink+xml"/>')
            extra = '<externalReferences><externalReference r:id="rIdX"/></externalReferences>'
            z.writestr("xl/externalLinks/externalLink1.xml",
                       f'<externalLink {_NS}><externalBook r:id="rId1"><sheetNames><sheetName val="Data"/>'
                       '</sheetNames></externalBook></externalLink>')
            z.writestr("xl/externalLinks/_rels/externalLink1.xml.rels",
                       f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                       f'<Relationship Id="rId1" Type="{_REL}/externalLinkPath" Target="{escape(external_link)}" '
                       'TargetMode="External"/></Relationships>')
        if macro:
            rels.append(f'<Relationship Id="rIdV" Type="http://schemas.microsoft.com/office/2006/relationships/'
                        'vbaProject" Target="vbaProject.bin"/>')
            overrides.append('<Override PartName="/xl/vbaProject.bin" ContentType="application/vnd.ms-office.vbaProject"/>')
            z.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"Sub AutoOpen(): Shell \"rm -rf ~\"" * 8)
        z.writestr("[Content_Types].xml",
                   '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/'
                   '2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-'
                   'package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
                   + "".join(overrides) + "</Types>")
        z.writestr("_rels/.rels", '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                   f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
        z.writestr("xl/workbook.xml", f'<?xml version="1.0" encoding="UTF-8"?><workbook {_NS}><sheets>'
                   + "".join(sheet_entries) + f"</sheets>{extra}</workbook>")
        z.writestr("xl/_rels/workbook.xml.rels", '<Relationships xmlns="http://schemas.openxmlformats.org/package/'
                   '2006/relationships">' + "".join(rels) + "</Relationships>")
        for i, rows in enumerate(sheets.values(), start=1):
            z.writestr(f"xl/worksheets/sheet{i}.xml", rows if isinstance(rows, str) else sheet_xml(rows))
    return path


def register(path: Path, **kwargs) -> Path:
    """A small valid register (two victims in November 2024)."""
    return write_xlsx(path, {"Register": [REGISTER_HEADER, *REGISTER_ROWS]}, **kwargs)


def truncated(path: Path, source: Path) -> Path:
    data = source.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def corrupted(path: Path, source: Path) -> Path:
    """The same zip with bytes inside the compressed sheet flipped (its CRC no longer matches)."""
    data = bytearray(source.read_bytes())
    with zipfile.ZipFile(source) as z:
        info = z.getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for i in range(start + 5, start + min(info.compress_size - 2, 40)):
        data[i] ^= 0x5A
    path.write_bytes(bytes(data))
    return path


def declared_zip_bomb(path: Path, declared: int = 4_000_000_000) -> Path:
    """A valid small workbook whose sheet claims (in both headers) to unpack to ``declared`` bytes."""
    register(path)
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as z:
        info = z.getinfo("xl/worksheets/sheet1.xml")
    struct.pack_into("<I", data, info.header_offset + 22, declared)      # local header: uncompressed size
    central = data.rfind(b"PK\x01\x02" + data[data.find(b"PK\x01\x02") + 4: data.find(b"PK\x01\x02") + 4][:0])
    offset = 0
    while (offset := data.find(b"PK\x01\x02", offset)) >= 0:
        name_len = struct.unpack_from("<H", data, offset + 28)[0]
        if data[offset + 46: offset + 46 + name_len] == b"xl/worksheets/sheet1.xml":
            struct.pack_into("<I", data, offset + 24, declared)        # central directory: uncompressed size
        offset += 4
    del central
    path.write_bytes(bytes(data))
    return path


def real_zip_bomb(path: Path, size: int = 160 * 1024 * 1024, lie: bool = False) -> Path:
    """A sheet that really unpacks to ``size`` bytes of blanks (about 160 KB on disk); ``lie`` declares 1 KB."""
    header = sheet_xml([REGISTER_HEADER]).replace("</sheetData></worksheet>", "")
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    blank = b" " * (1 << 20)
    parts = [compressor.compress(header.encode())]
    crc = zlib.crc32(header.encode())
    for _ in range(size // len(blank)):
        parts.append(compressor.compress(blank))
        crc = zlib.crc32(blank, crc)
    tail = b"</sheetData></worksheet>"
    parts.append(compressor.compress(tail) + compressor.flush())
    crc = zlib.crc32(tail, crc)
    register(path)
    with zipfile.ZipFile(path) as z:
        others = {n: z.read(n) for n in z.namelist() if n != "xl/worksheets/sheet1.xml"}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, content in others.items():
            z.writestr(name, content)
    compressed = b"".join(parts)
    real_size = len(header) + (size // len(blank)) * len(blank) + len(tail)
    _append_raw_member(path, "xl/worksheets/sheet1.xml", compressed, crc, 1024 if lie else real_size)
    return path


def _append_raw_member(path: Path, name: str, compressed: bytes, crc: int, declared: int) -> None:
    """Add an already-deflated member to a zip, with the sizes and CRC given (rewrites the central directory)."""
    data = path.read_bytes()
    end = data.rfind(b"PK\x05\x06")
    entries, cd_size, cd_offset = struct.unpack_from("<HII", data, end + 10)
    body, directory = data[:cd_offset], data[cd_offset:cd_offset + cd_size]
    encoded = name.encode()
    local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc, len(compressed), declared,
                        len(encoded), 0) + encoded
    central = struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0x21, crc, len(compressed), declared,
                          len(encoded), 0, 0, 0, 0, 0, len(body)) + encoded
    new_body = body + local + compressed
    new_directory = directory + central
    path.write_bytes(new_body + new_directory + struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, entries + 1, entries + 1,
                                                           len(new_directory), len(new_body), 0))


def million_rows(path: Path, rows: int = 1_000_000) -> Path:
    """A sheet with a million small rows: about 40 MB of XML, about 2 MB on disk."""
    with zipfile.ZipFile(register(path), "a", zipfile.ZIP_DEFLATED) as z:
        pass
    with zipfile.ZipFile(path) as z:
        others = {n: z.read(n) for n in z.namelist() if n != "xl/worksheets/sheet1.xml"}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        for name, content in others.items():
            z.writestr(name, content)
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as out:
            out.write(sheet_xml([REGISTER_HEADER]).replace("</sheetData></worksheet>", "").encode())
            batch = []
            for r in range(2, rows + 2):
                batch.append(f'<row r="{r}"><c r="D{r}"><v>7</v></c></row>')
                if len(batch) == 50_000:
                    out.write("".join(batch).encode())
                    batch = []
            out.write(("".join(batch) + "</sheetData></worksheet>").encode())
    return path


def far_cell(path: Path) -> Path:
    """Two cells, one at A1 and one at XFD1048576: a dense reader would allocate 17 billion cells."""
    xml = sheet_xml([REGISTER_HEADER]).replace(
        "</sheetData>", '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>')
    return write_xlsx(path, {"Register": xml})


def far_cell_in_unnumbered_row(path: Path) -> Path:
    """A cell at Z1048576 in a row that gives no row number: only the cell's own reference says how far it is."""
    xml = sheet_xml([REGISTER_HEADER]).replace(
        "</sheetData>", '<row><c r="Z1048576"><v>1</v></c></row></sheetData>')
    return write_xlsx(path, {"Register": xml})


def unreferenced_wide_row(path: Path, cells: int = 5000) -> Path:
    """A row of cells without references: the reader places them one after another, 5,000 columns wide."""
    xml = sheet_xml([REGISTER_HEADER]).replace(
        "</sheetData>", "<row>" + "<c><v>1</v></c>" * cells + "</row></sheetData>")
    return write_xlsx(path, {"Register": xml})


def wide_sheet(path: Path, columns: int = 256, rows: int = 10) -> Path:
    """A sheet of ``rows`` x ``columns`` numbers (small: a 10 x 256 sheet is 2,560 cells)."""
    return write_xlsx(path, {"Data": [[r * columns + c for c in range(columns)] for r in range(rows)]})


def wide_and_long(path: Path, columns: int = 300, last_row: int = 9000) -> Path:
    """A header 300 columns wide and one cell on row 9000: a dense range of 2.7 million cells in a few KB."""
    xml = sheet_xml([REGISTER_HEADER + [f"K{i}" for i in range(columns - len(REGISTER_HEADER))]]).replace(
        "</sheetData>", f'<row r="{last_row}"><c r="A{last_row}"><v>1</v></c></row></sheetData>')
    return write_xlsx(path, {"Register": xml})


def big_sparse_file(path: Path, size: int = 100 * 1024 * 1024 + 1) -> Path:
    """A '100 MB' workbook that costs nothing on disk: a zip signature and a hole."""
    with open(path, "wb") as f:
        f.write(b"PK\x03\x04")
        f.truncate(size)
    return path


def encrypted_ole(path: Path) -> Path:
    """A compound file (OLE/CFB) with EncryptionInfo and EncryptedPackage streams, as Excel writes a protected .xlsx."""
    sector = 512
    free, end, fat_sect = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
    info = (struct.pack("<HHI", 4, 4, 0x40) + b"<?xml version=\"1.0\"?><encryption "
            b"xmlns=\"http://schemas.microsoft.com/office/2006/encryption\"/>").ljust(4096, b"\0")
    package = struct.pack("<Q", 1234) + bytes(range(256)) * 15
    package = package.ljust(4096, b"\0")
    fat = [fat_sect, end] + [3, 4, 5, 6, 7, 8, 9, end] + [11, 12, 13, 14, 15, 16, 17, end]
    fat_bytes = struct.pack(f"<{len(fat)}I", *fat) + struct.pack("<I", free) * (128 - len(fat))

    def entry(name: str, kind: int, start: int, size: int, left=free, right=free, child=free) -> bytes:
        encoded = (name + "\0").encode("utf-16-le")
        return (encoded.ljust(64, b"\0") + struct.pack("<HBBIII", len(encoded), kind, 1, left, right, child)
                + b"\0" * 16 + b"\0" * 4 + b"\0" * 16 + struct.pack("<IIi", start, size, 0))

    directory = (entry("Root Entry", 5, end, 0, child=1) + entry("EncryptionInfo", 2, 2, 4096, right=2)
                 + entry("EncryptedPackage", 2, 10, 4096) + b"\0" * 128)
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 16 + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
              + b"\0" * 6 + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, end, 0, end, 0)
              + struct.pack("<I", 0) + struct.pack("<I", free) * 108)
    assert len(header) == sector and len(directory) == sector
    path.write_bytes(header + fat_bytes + directory + info + package)
    return path


def sector_loop_xls(path: Path) -> Path:
    """A 1.5 KB .xls whose compound-file directory chain points at itself: a reader following it allocates
    without end (as phpspreadsheet's oleloop.xls does)."""
    free, end, fat_sect = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
    fat = struct.pack("<3I", fat_sect, 1, end) + struct.pack("<I", free) * 125  # sector 1 is followed by itself
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 16 + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
              + b"\0" * 6 + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, end, 0, end, 0)
              + struct.pack("<I", 0) + struct.pack("<I", free) * 108)
    path.write_bytes(header + fat + b"\0" * 512)
    return path


def old_excel(path: Path) -> Path:
    """An Excel 2.1 (BIFF2) worksheet, as Excel 2.x-4.0 saved it: no OLE container, a BOF record first."""
    def record(kind: int, body: bytes) -> bytes:
        return struct.pack("<HH", kind, len(body)) + body
    label = b"Tanggal Lapor"
    path.write_bytes(record(0x0009, struct.pack("<HH", 2, 0x10))                   # BOF: BIFF2 worksheet
                     + record(0x0000, struct.pack("<HHHH", 0, 2, 0, 1))              # DIMENSIONS
                     + record(0x0004, struct.pack("<HH", 0, 0) + b"\0\0\0" + bytes([len(label)]) + label)  # LABEL
                     + record(0x0003, struct.pack("<HH", 1, 0) + b"\0\0\0" + struct.pack("<d", 9.0))  # NUMBER
                     + record(0x000A, b""))                                           # EOF
    return path


def repeated_cells_ods(path: Path, repeat: int = 1 << 30) -> Path:
    """A 2 KB .ods whose one cell is repeated a billion times across and down (ODF's repeat attributes)."""
    content = ('<?xml version="1.0" encoding="UTF-8"?><office:document-content '
               'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
               'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
               'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body>'
               '<office:spreadsheet><table:table table:name="Data">'
               f'<table:table-row table:number-rows-repeated="{repeat}">'
               f'<table:table-cell table:number-columns-repeated="{repeat}" office:value-type="string">'
               '<text:p>x</text:p></table:table-cell></table:table-row></table:table></office:spreadsheet>'
               '</office:body></office:document-content>')
    manifest = ('<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
                'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
                '<manifest:file-entry manifest:full-path="/" '
                'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
                '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
                '</manifest:manifest>')
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")  # first and stored, as ODF wants
        z.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
        z.writestr("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)
    return path
