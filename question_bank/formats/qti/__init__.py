"""IMS QTI 2.1/2.2/3.0 items and content packages (reading.py: items -> bodies; writing.py: bodies -> items;
v3.py: the QTI 3.0 spelling).

Read: a single ``assessmentItem`` XML file or a zip content package whose ``imsmanifest.xml`` lists
``imsqti_item_*`` resources. Archives are checked for bombs and unsafe names before anything is read
(base.open_safe_zip). Images the package holds become ``cid:`` images; one it does not hold, or one on another
site, cannot be shown by the bank and is reported per item with its location, never dropped silently.

Write: QTI 2.1 single items (:func:`dump_item`) and content packages (:meth:`QtiFormat.export`); the ``qti3``
format writes the same packages in QTI 3.0.
"""
from __future__ import annotations

import io
import posixpath
import zipfile
from typing import BinaryIO
from urllib.parse import unquote
from xml.etree import ElementTree as ET

from question_bank.formats.base import (
    Draft, ExportResult, Format, ImageBlob, ImportProblem, ImportRejected, ParseResult, guess_content_type,
    open_safe_zip, parse_xml, read_limited, read_zip_member, register,
)
from question_bank.formats.qti.reading import Skip, parse_item
from question_bank.formats.qti.writing import QTI_NS, build_item
from question_bank.formats.qti.v3 import CP3_NS, QTI3_NS, from_v3, to_v3
from question_bank.formats.qti.xhtml import find_all, local

CP_NS = "http://www.imsglobal.org/xsd/imscp_v1p1"
_MEDIA_ELEMENTS = {"img": "src", "object": "data"}
#: Embedded media the question sanitiser would remove with nothing left to read: reported, then dropped.
_UNSHOWN = {"audio", "video", "iframe", "embed", "svg"}


def dump_item(item: dict, identifier: str = "item-1") -> bytes:
    """One QTI 2.1 ``assessmentItem`` document (images stay as ``cid:`` links; use a package to carry them)."""
    return _xml_bytes(build_item(item, identifier), QTI_NS)


def _xml_bytes(element: ET.Element, namespace: str) -> bytes:
    # Elements are built unqualified under a literal xmlns attribute: the output is properly namespaced
    # without touching ElementTree's global prefix registry, which other code shares.
    element.set("xmlns", namespace)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(element, encoding="utf-8", xml_declaration=False)


def _drop_media(root: ET.Element, lost: list[ET.Element]) -> None:
    """Take ``lost`` elements out of the item (ElementTree has no parent links: search for them)."""
    for parent in root.iter():
        for child in list(parent):
            if child in lost:
                alt = child.get("alt") or ""
                if alt:  # the alternative text keeps the meaning the picture carried
                    child.tail = f"[{alt}]" + (child.tail or "")
                index = list(parent).index(child)
                if index:
                    previous = parent[index - 1]
                    previous.tail = (previous.tail or "") + (child.tail or "")
                else:
                    parent.text = (parent.text or "") + (child.tail or "")
                parent.remove(child)


@register
class QtiFormat(Format):
    name = "qti"
    label = "QTI 2.1"
    extensions = (".zip", ".xml")
    supported_types = frozenset({"single_choice", "multiple_choice", "true_false", "true_false_group",
                                 "short_answer", "matching", "ordering", "cloze", "essay"})
    carries = frozenset({"explanation", "name", "idnumber", "options.feedback", "options.weight",
                         "answers.feedback", "rubric", "formatting"})

    def parse(self, stream: BinaryIO) -> ParseResult:
        """Parse a QTI content package (zip) or a single assessmentItem XML file."""
        data = read_limited(stream)
        result = ParseResult()
        if data[:4] == b"PK\x03\x04":
            self._package(data, result)
        else:
            root = parse_xml(data)
            notes: list[str] = []
            images = self._images(None, set(), root, "", notes)
            self._item(root, 1, "Câu 1", result, images, notes)
        return result

    @staticmethod
    def _item(root, number: int, location: str, result: ParseResult, images: dict[str, ImageBlob],
              notes: list[str]) -> None:
        try:
            body, meta = parse_item(from_v3(root), notes)
        except Skip as exc:
            result.problems.append(ImportProblem(number, None, f"{location}: {exc}"))
            return
        used = [blob for name, blob in images.items() if f"cid:{name}" in repr(body)]
        result.drafts.append(Draft(body=body, meta=meta, location=location, images=used))
        # The question is imported: what was changed or left out in it is a warning, not a problem.
        result.warnings.extend(ImportProblem(number, None, f"{location}: {note}") for note in notes)

    def _package(self, data: bytes, result: ParseResult) -> None:
        archive = open_safe_zip(data)
        names = set(archive.namelist())
        if "imsmanifest.xml" not in names:
            raise ImportRejected("Gói QTI thiếu tệp imsmanifest.xml.")
        manifest = parse_xml(read_zip_member(archive, "imsmanifest.xml"))
        resources = [r for r in find_all(manifest, "resource") if (r.get("type") or "").startswith("imsqti_item")]
        if not resources:
            raise ImportRejected("Gói QTI không liệt kê câu hỏi nào (resource imsqti_item).")
        for number, resource in enumerate(resources, 1):
            href = posixpath.normpath(unquote(resource.get("href") or ""))
            location = f"Câu {number} ({href})"
            if href not in names:
                result.problems.append(ImportProblem(number, None, f"Gói QTI thiếu tệp câu hỏi '{href}'."))
                continue
            try:
                root = parse_xml(read_zip_member(archive, href))
            except ImportRejected as exc:
                result.problems.append(ImportProblem(number, None, f"{href}: {exc.message}"))
                continue
            notes: list[str] = []
            images = self._images(archive, names, root, posixpath.dirname(href), notes)
            self._item(root, number, location, result, images, notes)

    @staticmethod
    def _images(archive: zipfile.ZipFile | None, names: set[str], root, base: str,
                notes: list[str]) -> dict[str, ImageBlob]:
        """Load images an item links to and point them at ``cid:`` names; report those that cannot come."""
        images: dict[str, ImageBlob] = {}
        lost: list[ET.Element] = []
        for element in root.iter():
            if local(element.tag) in _UNSHOWN:
                notes.append(f"Phần tử <{local(element.tag)}> (âm thanh, video hay nội dung nhúng) không hiển thị được "
                             "trong câu hỏi của ngân hàng — đã bỏ; hãy tải tệp lên kho học liệu và chèn lại.")
                lost.append(element)
                continue
            attribute = _MEDIA_ELEMENTS.get(local(element.tag))
            src = element.get(attribute) if attribute else None
            if not src or src.startswith("cid:"):
                continue
            if src.startswith("data:"):
                continue  # inline pictures travel in the text; the sanitiser judges them
            path = posixpath.normpath(posixpath.join(base, unquote(src)))
            if "://" in src:
                notes.append(f"Hình '{src}' nằm trên trang web khác, ngân hàng không hiển thị được — đã bỏ hình; "
                             "hãy tải hình lên và chèn lại.")
            elif archive is None or path.startswith("..") or path not in names:
                where = "tệp XML đơn lẻ không chứa hình" if archive is None else "gói QTI không chứa tệp này"
                notes.append(f"Hình '{src}' không có trong tệp nhập ({where}) — đã bỏ hình; hãy nhập gói QTI có "
                             "kèm hình hoặc chèn lại hình.")
            elif local(element.tag) == "object" and not guess_content_type(path).startswith("image/"):
                notes.append(f"Đối tượng nhúng '{src}' ({guess_content_type(path)}) không phải hình — đã bỏ.")
            else:
                name = posixpath.basename(path)
                images[name] = ImageBlob(name=name, content_type=guess_content_type(name),
                                         data=read_zip_member(archive, path))
                if local(element.tag) == "object":  # an image object is shown as the image it is
                    element.tag = "img"
                    element.attrib.pop("data", None)
                    element.attrib.pop("type", None)
                    element.text = None
                    for child in list(element):
                        element.remove(child)
                element.set("src", f"cid:{name}")
                continue
            lost.append(element)
        _drop_media(root, lost)
        return images

    #: What :meth:`export` writes: QTI 2.1 items in an IMS content package.
    item_namespace, manifest_namespace, resource_type, schema = (
        QTI_NS, CP_NS, "imsqti_item_xmlv2p1", "QTIv2.1 Package")

    def _finish(self, element: ET.Element) -> ET.Element:
        return element

    def export(self, items: list[dict]) -> ExportResult:
        """A QTI content package: one item file per question, images under items/images/."""
        skipped = self.unsupported(items)
        bad = {p.item for p in skipped}
        warnings: list[ImportProblem] = []
        manifest = ET.Element("manifest", identifier="MANIFEST-hoc-lieu-so")
        metadata = ET.SubElement(manifest, "metadata")
        ET.SubElement(metadata, "schema").text = self.schema
        ET.SubElement(metadata, "schemaversion").text = "1.0.0"
        ET.SubElement(manifest, "organizations")
        resources = ET.SubElement(manifest, "resources")
        buffer = io.BytesIO()
        used_ids: set[str] = set()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for number, item in enumerate(items, 1):
                if number in bad:
                    continue
                identifier = f"item-{number}"
                images = {image.name: image for image in item.get("images") or []}
                try:
                    element = build_item(item, identifier, warnings, number)
                except ValueError as exc:
                    skipped.append(ImportProblem(number, None, str(exc)))
                    continue
                if element.get("identifier") in used_ids:  # two questions with one idnumber: keep the first
                    warnings.append(ImportProblem(number, None, f"Mã câu hỏi (idnumber) '{element.get('identifier')}' "
                                                                "trùng với câu trước — câu này được ghi không có mã "
                                                                "riêng.", ("idnumber",)))
                    element.set("identifier", identifier)
                used_ids.add(element.get("identifier"))
                href = f"items/{identifier}.xml"
                resource = ET.SubElement(resources, "resource", identifier=identifier,
                                         type=self.resource_type, href=href)
                ET.SubElement(resource, "file", href=href)
                for node in element.iter():
                    src = node.get("src") or ""
                    if src.startswith("cid:") and unquote(src[4:]) in images:
                        name = unquote(src[4:])
                        node.set("src", f"images/{identifier}/{name}")
                        if f"items/images/{identifier}/{name}" not in archive.namelist():
                            archive.writestr(f"items/images/{identifier}/{name}", images[name].data)
                            ET.SubElement(resource, "file", href=f"items/images/{identifier}/{name}")
                archive.writestr(href, _xml_bytes(self._finish(element), self.item_namespace))
            archive.writestr("imsmanifest.xml", _xml_bytes(manifest, self.manifest_namespace))
        losses = self.losses(items, {p.item for p in skipped})
        return ExportResult(buffer.getvalue(), sorted(skipped, key=lambda p: p.item),
                            sorted(losses + warnings, key=lambda p: p.item))


@register
class Qti3Format(QtiFormat):
    """QTI 3.0 packages: reading is the same as ``qti`` (which also reads 3.0); writing uses 3.0 names."""

    name = "qti3"
    label = "QTI 3.0"
    item_namespace, manifest_namespace, resource_type, schema = (
        QTI3_NS, CP3_NS, "imsqti_item_xmlv3p0", "QTI Package")

    def _finish(self, element: ET.Element) -> ET.Element:
        return to_v3(element)
