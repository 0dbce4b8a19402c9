"""The passport API: reads, writes, verification and keys; one view per operation."""

from .passports import PassportDetailApi, PassportListApi, PassportVersionsApi, SearchApi
from .verification import PublicKeyApi, ValidateApi, VerifyApi, jwks, schema_json

__all__ = [
    "PassportDetailApi",
    "PassportListApi",
    "PassportVersionsApi",
    "PublicKeyApi",
    "SearchApi",
    "ValidateApi",
    "VerifyApi",
    "jwks",
    "schema_json",
]
