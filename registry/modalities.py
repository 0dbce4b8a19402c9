"""Modality vocabulary shared by importers, filters and (later) matching."""

from __future__ import annotations

from collections.abc import Iterable

INPUT_MODALITIES = ("text", "image", "audio", "video", "file")
OUTPUT_MODALITIES = ("text", "image", "audio", "video", "embeddings")
# Outputs that are text to read: OpenRouter states "transcription" for speech-to-text.
TEXT_OUTPUTS = frozenset({"text", "transcription"})

# Words a catalog or a capability's input_types/output_types use, to our names.
_ALIASES = {
    "text": "text",
    "structured": "text",
    "code": "text",
    "mixed": "text",
    "image": "image",
    "images": "image",
    "audio": "audio",
    "speech": "audio",
    "video": "video",
    "file": "file",
    "files": "file",
    "pdf": "file",
    "document": "file",
    "embedding": "embeddings",
    "embeddings": "embeddings",
    "vector": "embeddings",
}


def normalise_modality(word: str) -> str | None:
    return _ALIASES.get(word.strip().lower())


def ordered(values: Iterable[str], vocabulary: tuple[str, ...]) -> list[str]:
    found = set(values)
    return [name for name in vocabulary if name in found] + sorted(found - set(vocabulary))


def modalities_from_types(types: Iterable[str], vocabulary: tuple[str, ...]) -> list[str]:
    """Modalities named by free-text types such as "image (JPEG, PNG, WebP)".

    The leading word decides ("structured text (JSON...)" is text); "mixed
    text+image" names both.
    """
    found: set[str] = set()
    for entry in types:
        head = entry.strip().lower().split("(")[0]
        words = head.replace("+", " ").replace("/", " ").split()
        if not words:
            continue
        first = normalise_modality(words[0])
        if first is not None and words[0] != "mixed":
            found.add(first)
            continue
        for word in words:
            modality = normalise_modality(word)
            if modality is not None and word != "mixed":
                found.add(modality)
    return ordered(found, vocabulary)
