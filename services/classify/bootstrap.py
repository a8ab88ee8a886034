"""Builds the classify service's dependencies: taxonomy, jieba dictionary, matchers, model.

All the heavy work (reading jieba's dictionary, about a second; the model's weights) happens here,
never at import.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from pathlib import Path

from services.classify.classifier import Classifier
from services.classify.handler import ClassifyDeps
from services.classify.model import Model, load_model
from services.classify.segment import Segmenter, load_jieba
from services.classify.taxonomy import (
    BUNDLED_STOPWORDS,
    BUNDLED_USER_DICT,
    Taxonomy,
    load_stopwords,
    load_taxonomy,
)
from shared.errors import ConfigError
from shared.settings import Settings

log = logging.getLogger(__name__)


@lru_cache(maxsize=2)
def _segmenter(user_dicts: tuple[Path, ...], words: tuple[str, ...]) -> Segmenter:
    # Cached because the dictionary never changes while running and costs a second to load;
    # the key holds every input, so another taxonomy or dictionary gets its own.
    return Segmenter(load_jieba(user_dicts, words))


@lru_cache(maxsize=1)
def bundled_model() -> Model:
    """The model shipped in the package (loaded once: it never changes while running)."""
    return load_model()


def build_classifier(
    taxonomy: Taxonomy, *, user_dict_path: Path | None = None, model: Model | None = None
) -> Classifier:
    """Compile a taxonomy, with the bundled jieba user dictionary plus ``user_dict_path``.

    ``model`` is the trained finance and sentiment model beside the rules (``build_deps`` passes
    the bundled one); without it the rules decide alone.
    """
    user_dicts = [BUNDLED_USER_DICT]
    if user_dict_path is not None:
        if not user_dict_path.is_file():
            raise ConfigError(f"jieba user dictionary {user_dict_path} does not exist")
        user_dicts.append(user_dict_path.resolve())
    segmenter = _segmenter(tuple(user_dicts), tuple(taxonomy.han_terms()))
    stopwords = load_stopwords(BUNDLED_STOPWORDS) if taxonomy.use_bundled_stopwords else frozenset()
    try:
        return Classifier(taxonomy, segmenter, stopwords=stopwords, model=model)
    except (ValueError, re.error) as exc:
        raise ConfigError(f"taxonomy {taxonomy.name or '(unnamed)'}: {exc}") from exc


def build_deps(settings: Settings) -> ClassifyDeps:
    """The handler's dependencies from the settings (bundled taxonomy unless one is configured)."""
    path = settings.classify.taxonomy_path
    taxonomy = load_taxonomy(path)
    classifier = build_classifier(
        taxonomy, user_dict_path=settings.classify.user_dict_path, model=bundled_model()
    )
    log.info(
        "classify ready: taxonomy %s (%d sub-topics, %d companies, %d coins, %d model families)",
        path or "bundled",
        len(taxonomy.subtopics),
        len(taxonomy.companies),
        len(taxonomy.coins),
        len(taxonomy.models),
    )
    return ClassifyDeps(classifier=classifier)
