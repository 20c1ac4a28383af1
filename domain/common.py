"""Building blocks shared by every document's data model.

Every field carries its Chinese label as ``title`` so that the JSON Schema documents itself.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from domain.jsonvalue import INVISIBLE, text_problem

__all__ = [
    "LONG_TEXT",
    "MAX_PHOTO_BYTES",
    "DateRange",
    "LongText",
    "Model",
    "Money",
    "Phone",
    "Photo",
    "Photos",
    "ShortText",
    "Text",
    "YesNo",
]

LONG_TEXT = 20_000
MAX_PHOTO_BYTES = 5 * 1024 * 1024  # per photo, decoded



def _printable(v: str) -> str:
    """No control or bidi-override characters in any text of a document."""
    problem = text_problem(v, ())
    if problem is not None:
        raise PydanticCustomError(problem.rule, f"{problem.message_zh} / {problem.message_en}", {})
    return v


def _no_invisible(v: str) -> str:
    """Names and other short texts: also no zero-width characters or direction marks."""
    m = INVISIBLE.search(v)
    if m is not None:
        code = f"U+{ord(m.group()):04X}"
        raise PydanticCustomError(
            "invisible_character",
            f"含有不可见字符 {code}（零宽字符或方向标记），会使名称看似另一个名称，请删除 / contains "
            f"the invisible character {code} (zero-width or direction mark), which disguises a "
            "name; remove it", {})
    return v


ShortText = Annotated[str, Field(max_length=200), AfterValidator(_printable),
                      AfterValidator(_no_invisible)]
Text = Annotated[str, Field(max_length=2_000), AfterValidator(_printable)]


def _one_path_segment(v: str) -> str:
    """An identifier that names a resource (/v1/policies/{no}) cannot hold a slash."""
    if "/" in v or "\\" in v:
        raise PydanticCustomError(
            "identifier_slash",
            "编号不能含有斜杠（/ 或 \\），它是链接的一部分 / an identifier cannot contain a slash "
            "(/ or \\): it is part of the resource's link", {})
    return v


Identifier = Annotated[ShortText, AfterValidator(_one_path_segment)]
LongText = Annotated[str, Field(max_length=LONG_TEXT), AfterValidator(_printable)]
Phone = Annotated[str, Field(max_length=40, pattern=r"^[0-9+()\-\s/转,，、]*$")]
Money = Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=2)]
YesNo = Literal["是", "否"]


class Model(BaseModel):
    """Base of all input models: unknown fields are errors, values are kept exactly as sent."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False, validate_default=True)


class DateRange(Model):
    start: dt.date = Field(title="开始日期")
    end: dt.date = Field(title="结束日期")

    @model_validator(mode="after")
    def _end_not_before_start(self) -> DateRange:
        if self.end < self.start:
            raise PydanticCustomError(
                "end_before_start",
                "结束日期早于开始日期 / end date {end} is before start date {start}",
                {"start": str(self.start), "end": str(self.end)},
            )
        return self


_JPEG = b"\xff\xd8\xff"
_PNG = b"\x89PNG\r\n\x1a\n"
MAX_PHOTO_PIXELS = 40_000_000  # 40 MP: any phone camera; larger is a decompression bomb


def _image_problem(raw: bytes) -> PydanticCustomError | None:
    """Why ``raw`` (JPEG/PNG bytes) cannot be printed, or None: it must decode completely."""
    import io
    import warnings

    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(raw)) as im:
                if im.width * im.height > MAX_PHOTO_PIXELS:
                    return PydanticCustomError(
                        "photo_pixels",
                        "照片超过 {limit} 像素 / photo has more than {limit} pixels",
                        {"limit": MAX_PHOTO_PIXELS})
                if im.format == "JPEG":  # decode at 1/8 scale: as strict, ~50x cheaper
                    im.draft("RGB", (max(1, im.width // 8), max(1, im.height // 8)))
                im.load()
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError,
            Image.DecompressionBombWarning):
        return PydanticCustomError(
            "photo_corrupt",
            "照片无法解码（文件损坏或不完整） / photo cannot be decoded (corrupt or truncated)", {})
    return None


class Photo(Model):
    """A photo given inline as base64 (optionally a ``data:`` URI) or as a multipart upload name."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"filename": "现场1.jpg", "data": "data:image/jpeg;base64,/9j/4AAQ..."}
    ]})

    filename: ShortText | None = Field(None, title="文件名")
    caption: ShortText | None = Field(None, title="说明")
    data: str = Field(
        title="图片数据",
        description="JPEG 或 PNG 的 base64（可为 data: URI），或 upload:<multipart 字段名>",
        max_length=MAX_PHOTO_BYTES * 4 // 3 + 64,
    )

    @field_validator("data")
    @classmethod
    def _decodable(cls, v: str) -> str:
        if v.startswith("upload:"):  # multipart requests replace these before validation
            raise PydanticCustomError(
                "upload_missing",
                "未找到上传文件「{name}」：upload:<名称> 只能引用同一 multipart 请求中的文件 / no "
                "uploaded file named '{name}': upload:<name> refers to a file of the same "
                "multipart request", {"name": v[len("upload:"):][:100]})
        raw = _decode(v)
        if len(raw) > MAX_PHOTO_BYTES:
            raise PydanticCustomError(
                "photo_too_large",
                "照片超过 {limit} 字节 / photo is larger than {limit} bytes",
                {"limit": MAX_PHOTO_BYTES},
            )
        if not (raw.startswith(_JPEG) or raw.startswith(_PNG)):
            raise PydanticCustomError(
                "photo_format", "照片须为 JPEG 或 PNG / photo must be JPEG or PNG", {}
            )
        problem = _image_problem(raw)
        if problem is not None:
            raise problem
        return v

    @property
    def content(self) -> bytes:
        return _decode(self.data)

    @property
    def mime(self) -> str:
        return "image/png" if self.content.startswith(_PNG) else "image/jpeg"


def _decode(v: str) -> bytes:
    payload = v.split(",", 1)[1] if v.startswith("data:") and "," in v else v
    try:
        return base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        raise PydanticCustomError(
            "photo_base64", "照片数据不是有效的 base64 / photo data is not valid base64", {}
        ) from None


Photos = Annotated[list[Photo], Field(max_length=6, title="现场照片")]


def dump(model: BaseModel) -> dict[str, Any]:
    """The model as plain Python values (dates stay dates), computed fields included."""
    return model.model_dump(mode="python")
