"""The typed campaign configuration, loaded and validated once.

A campaign file is TOML (see ``campaigns/miraflores.toml``). Loading it through
:func:`load_campaign` either returns a :class:`Campaign` or raises
:class:`CampaignError` naming the field and the reason.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from campaigns.localize import to_local

DEFAULT_CAMPAIGN = Path(__file__).with_name("miraflores.toml")

STANCE_LABELS = ("pro_recall", "anti_recall", "none")
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


def _slug(value: str) -> str:
    if not _NAME.match(value):
        raise ValueError("must be lower-case letters, digits and underscores, starting with a letter")
    return value


# Topic and source names end up as SQL column names (n_<topic>) and state keys.
Slug = Annotated[str, AfterValidator(_slug)]


# What a mayor's administration is called when a text judges it without naming him: the
# municipality, and his "gestión" when the text says whose ("esta gestión", "la gestión
# municipal"; "la gestión" alone is also every other kind of management).
ADMINISTRATION = (
    "municipalidad", "muni", "municipio", "alcaldia", "gestion municipal", "gestion edil",
    "administracion municipal", "gobierno municipal", "gobierno local", "concejo municipal",
    "esta gestion", "la actual gestion", "la gestion actual", "esta administracion", "la actual administracion",
    "municipality", "city hall", "city council", "local government", "this administration",
)


class CampaignError(ValueError):
    """A campaign file that cannot be used; the message names the field and the reason."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Named(_Strict):
    """Every way texts name a person or an organisation (see ``campaigns.recognition.NameFinder``)."""

    name: str = Field(min_length=2)
    aliases: list[str] = Field(default_factory=list, description="other names that identify the actor alone")
    handles: list[str] = Field(default_factory=list, description="social-network handles ('@PPopular')")
    hashtags: list[str] = Field(default_factory=list, description="hashtags that name the actor ('#CarlosCanales')")
    nicknames: list[str] = Field(default_factory=list, description="nicknames people use for the actor")
    leaders: list[str] = Field(
        default_factory=list, description="people whose name stands for the actor (a party's leader: 'Rajoy')"
    )
    acronyms: list[str] = Field(
        default_factory=list,
        description="short forms in capitals ('PP', 'PSOE'); they also count inside compound hashtags ('#PPSOE')",
    )

    @field_validator("name", "aliases")
    @classmethod
    def _not_blank(cls, value: str | list[str]) -> str | list[str]:
        # A blank name would match no text (or, as an alias, every text): refuse it here.
        for name in [value] if isinstance(value, str) else value:
            if len(name.strip()) < 2:
                raise ValueError(f"{name!r} is blank or too short to name the target")
        return value.strip() if isinstance(value, str) else [name.strip() for name in value]

    @property
    def names(self) -> list[str]:
        """The full name first, then every alias, without repeats."""
        seen: dict[str, None] = {self.name: None}
        for alias in self.aliases:
            seen.setdefault(alias, None)
        return list(seen)


class Actor(_Named):
    """Someone else the campaign scores on the same texts: a rival, the recall's promoters, a party."""

    id: Slug = Field(description="short name stored in actor_scores.actor")
    role: str = Field(default="actor", description="free text: 'rival', 'promoter', 'party', ...")


class Target(_Named):
    """The person monitored, and every way texts refer to them."""

    district: str | None = Field(default=None, min_length=2, description="the place he governs, if any")
    references: list[str] = Field(
        default_factory=list,
        description="role phrases ('el alcalde') that refer to the target once a text has named him",
    )
    roles: list[str] = Field(
        default_factory=lambda: ["alcalde", "alcaldesa", "burgomaestre", "autoridad edil", "mayor"],
        description="words for the target's office: 'el alcalde' alone refers to him unless the text names another place or person with it",
    )
    administration: list[str] = Field(
        default_factory=lambda: list(ADMINISTRATION),
        description="words for the target's administration: a text that judges 'la muni' of his district judges him",
    )
    demonyms: list[str] = Field(
        default_factory=list,
        description="demonyms of his district ('miraflorino'): 'el alcalde miraflorino' is his office (words starting like the district count too)",
    )
    other_places: list[str] = Field(
        default_factory=list,
        description="other places ('San Isidro', 'Surco'): a text that names one and never his district is not about his office",
    )
    other_demonyms: list[str] = Field(
        default_factory=list,
        description="demonyms of other places ('sanisidrino'): 'el alcalde sanisidrino' is another place's mayor",
    )
    implicit_mentions: bool = Field(
        default=True,
        description="score target sentiment for texts that never name him but judge his administration or argue about his recall",
    )


class Topic(_Strict):
    name: Slug
    description_es: str = Field(min_length=3)
    description_en: str = Field(min_length=3)
    keywords: list[str] = Field(min_length=1)
    label_es: str | None = Field(default=None, min_length=2, description="the topic's name on the page in Spanish")
    label_en: str | None = Field(default=None, min_length=2, description="the topic's name on the page in English")

    def label(self, lang: str) -> str:
        """The topic's display name in ``lang`` (``es``/``en``), else its name."""
        return {"es": self.label_es, "en": self.label_en}.get(lang) or self.name


class StanceConfig(_Strict):
    """The proposition whose supporters and opponents the stance counts, and how to tell them.

    The proposition is the target's recall unless ``proposition`` says otherwise ("la
    independencia de Cataluña"). ``pro``/``anti`` (or, for the recall, ``pro_recall``/
    ``anti_recall``) describe arguing for and against it. ``pro_declared``/``anti_declared``
    list hashtags and phrases that declare a side on their own (#RevocatoriaYa, "firmé para
    revocar", #NoALaRevocatoria): the scorer uses the texts that carry them as weak labels.
    """

    proposition: str = Field(default="recall", description="'recall' (the target's recall) or the proposition, in words")
    question_es: str = ""
    pro: str | None = Field(default=None, description="what arguing for the proposition looks like")
    anti: str | None = Field(default=None, description="what arguing against the proposition looks like")
    pro_recall: str | None = Field(default=None, description="hypothesis/description of arguing for the recall")
    anti_recall: str | None = Field(default=None, description="hypothesis/description of arguing against the recall")
    keywords: list[str] = Field(default_factory=list, description="words of the debate about the proposition")
    pro_keywords: list[str] = Field(default_factory=list)
    anti_keywords: list[str] = Field(default_factory=list)
    pro_declared: list[str] = Field(default_factory=list, description="hashtags/phrases that declare support")
    anti_declared: list[str] = Field(default_factory=list, description="hashtags/phrases that declare opposition")

    @model_validator(mode="after")
    def _described(self) -> StanceConfig:
        if not (self.pro or self.pro_recall) or not (self.anti or self.anti_recall):
            raise ValueError("describe both sides: 'pro' and 'anti' (or 'pro_recall' and 'anti_recall')")
        return self

    @property
    def is_recall(self) -> bool:
        return self.proposition.strip().lower() in ("recall", "revocatoria")

    @property
    def pro_description(self) -> str:
        return str(self.pro or self.pro_recall)

    @property
    def anti_description(self) -> str:
        return str(self.anti or self.anti_recall)


class Source(_Strict):
    """One thing a spider watches: a feed, a sitemap, a search, a platform query."""

    name: Slug
    spider: str = Field(description="a spider of crawler/spiders/, by the name `scrapy list` prints")
    platform: str = Field(min_length=1, description="outlet domain or social network name")
    urls: list[str] = Field(default_factory=list)
    queries: list[str] = Field(default_factory=list)
    enabled: bool = True
    credentials_env: list[str] = Field(
        default_factory=list,
        description="environment variables that must be set for this source (default: the ones its spider declares)",
    )
    options: dict[str, Any] = Field(default_factory=dict)

    @field_validator("urls")
    @classmethod
    def _http(cls, urls: list[str]) -> list[str]:
        for url in urls:
            if not re.match(r"^https?://[^/\s]+", url):
                raise ValueError(f"{url!r} is not an http(s) URL")
        return urls

    def credential_names(self, declared: Sequence[str] = ()) -> list[str]:
        """The variables this source needs: ``credentials_env``, else what its spider
        ``declared`` (crawler.catalog knows each spider's; this package does not import it)."""
        return list(self.credentials_env) or list(declared)

    def missing_credentials(self, declared: Sequence[str] = (), environ: dict[str, str] | None = None) -> list[str]:
        """Names (never values) of the credential variables that are not set."""
        env = os.environ if environ is None else environ
        return [name for name in self.credential_names(declared) if not env.get(name)]



# ---------------------------------------------------------------- issue 12: the dashboard's
# calendar, official figures and alerts (kept apart from the scoring options above)

class Milestone(_Strict):
    """A date of the recall's calendar (JNE/ONPE), drawn on the dashboard's timelines."""

    date: dt.date
    label: str = Field(min_length=2)
    kind: Literal["kit", "signatures", "verification", "convocation", "vote", "other"] = "other"
    source: str = Field(description="http(s) link to the authority's notice that sets this date")

    @field_validator("source")
    @classmethod
    def _source_http(cls, value: str) -> str:
        if not re.match(r"^https?://[^/\s]+", value):
            raise ValueError(f"{value!r} is not an http(s) URL")
        return value


class OfficialFigures(_Strict):
    """A CSV of official crime figures (columns in campaigns/figures.py), set beside perception."""

    path: str = Field(min_length=1, description="CSV file, relative to the campaign file")
    label: str = Field(default="Official figures", description="what the chart calls them")
    sample: bool = Field(default=False, description="true for made-up figures shipped with the demo")


class Alerts(_Strict):
    """Where `vigia alerts` sends spikes; both optional, never needed for the demo."""

    webhook_url: str | None = Field(default=None, description="POSTed a JSON body per run with spikes")
    email_to: list[str] = Field(default_factory=list)
    email_from: str = "vigia@localhost"
    smtp_host: str = "localhost"
    smtp_port: int = 25
    lookback_days: int = Field(default=7, ge=1, description="only spikes this recent are sent")
    # The default rule of each metric (the page may override them; warehouse/alert_rules.py).
    metrics: list[Literal["volume", "target_negative", "pro_recall", "anti_recall"]] = Field(
        default_factory=lambda: ["volume", "target_negative", "pro_recall", "anti_recall"],
        description="what is watched: volume, target_negative, pro_recall, anti_recall",
    )
    z: float = Field(default=3.0, ge=1.0, le=10.0, description="standard deviations above the trailing window")
    min_count: int = Field(default=10, ge=1, description="texts a day needs before it can be a spike")
    window_days: int = Field(default=28, ge=7, le=120, description="the trailing baseline a day is compared with")

    @field_validator("webhook_url")
    @classmethod
    def _webhook_http(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^https?://[^/\s]+", value):
            raise ValueError(f"{value!r} is not an http(s) URL")
        return value


class Campaign(_Strict):
    id: str
    name: str
    target: Target
    languages: list[str] = Field(default_factory=lambda: ["es"], min_length=1)
    timezone: str = Field(default="America/Lima", description="IANA zone whose calendar days the trends use")
    topics: list[Topic] = Field(min_length=1)
    stance: StanceConfig
    sources: list[Source] = Field(default_factory=list)
    actors: list[Actor] = Field(
        default_factory=list, description="others scored on the same texts (rivals, the recall's promoters, parties)"
    )
    sample: bool = Field(default=False, description="true when the sources are the bundled sample server")
    interface_language: Literal["es", "en"] | None = Field(
        default=None, description="the dashboard's language (es, en); default: the first of `languages` it speaks",
    )
    # issue 12: the dashboard's calendar, official figures and alerts
    calendar: list[Milestone] = Field(default_factory=list)
    figures: OfficialFigures | None = None
    alerts: Alerts = Field(default_factory=Alerts)
    source_file: Path | None = Field(default=None, exclude=True, description="set by load_campaign")

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        if not re.match(r"^[a-z0-9][a-z0-9_-]*$", value):
            raise ValueError("must be lower-case letters, digits, '-' and '_'")
        return value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not an IANA time zone") from None
        return value

    @field_validator("languages")
    @classmethod
    def _iso(cls, langs: list[str]) -> list[str]:
        for lang in langs:
            if not re.match(r"^[a-z]{2}$", lang):
                raise ValueError(f"{lang!r} is not an ISO 639-1 code")
        return langs

    @model_validator(mode="after")
    def _unique(self) -> Campaign:
        for what, names in (
            ("topics", [t.name for t in self.topics]),
            ("sources", [s.name for s in self.sources]),
            ("actors", [a.id for a in self.actors]),
        ):
            dupes = sorted({n for n in names if names.count(n) > 1})
            if dupes:
                raise ValueError(f"{what}: duplicate names {dupes}")
        return self

    @property
    def figures_path(self) -> Path | None:
        """The official figures CSV, resolved against the campaign file's folder."""
        if self.figures is None:
            return None
        path = Path(self.figures.path)
        if not path.is_absolute() and self.source_file is not None:
            path = self.source_file.parent / path
        return path

    def with_files(self) -> Campaign:
        """This campaign, once the files it names exist; else CampaignError naming the field.

        Checked by every ``vigia`` command and spider (not by :func:`load_campaign`, so the
        dashboard still opens a campaign whose figures are missing): a campaign file copied to
        another folder keeps its relative ``[figures] path``, which then points nowhere.
        """
        figures = self.figures_path
        if figures is not None and not figures.is_file():
            where = f"{self.source_file}: " if self.source_file else ""
            raise CampaignError(
                f"{where}field 'figures.path': no file {figures} ({self.figures.path!r} is read from "  # type: ignore[union-attr]
                "the campaign file's folder; fix the path, copy the CSV beside the file, or remove [figures])"
            )
        return self

    @property
    def ui_language(self) -> str:
        """The dashboard's language: ``interface_language``, else the first of ``languages``
        the interface speaks, else English."""
        if self.interface_language:
            return self.interface_language
        return next((lang for lang in self.languages if lang in ("es", "en")), "en")

    def topic_label(self, name: str, lang: str) -> str:
        """A topic's display name in ``lang`` (its name when the file gives none)."""
        topic = next((t for t in self.topics if t.name == name), None)
        return topic.label(lang) if topic else name

    @property
    def topic_names(self) -> list[str]:
        return [t.name for t in self.topics]

    def actor(self, name: str) -> Actor | None:
        """The actor whose id or name (folded, spaces or underscores) is ``name``."""
        from campaigns.recognition import fold

        key = fold(name).replace(" ", "_")
        for actor in self.actors:
            if key in (actor.id, fold(actor.name).replace(" ", "_")):
                return actor
        return None

    def sources_for(self, spider: str) -> list[Source]:
        return [s for s in self.sources if s.spider == spider and s.enabled]

    @property
    def spiders(self) -> list[str]:
        """Spider names with at least one enabled source, in file order."""
        return list(dict.fromkeys(s.spider for s in self.sources if s.enabled))

    def localized(self, base: str) -> Campaign:
        """The same campaign with every source address pointing at a sample server."""
        sources = [
            s.model_copy(update={"urls": [to_local(u, base) for u in s.urls]}) for s in self.sources
        ]
        return self.model_copy(update={"sources": sources, "sample": True})


def load_campaign(path: str | Path | None = None) -> Campaign:
    """Load and validate a campaign file (default: ``$VIGIA_CAMPAIGN`` or the bundled one)."""
    path = Path(path or os.environ.get("VIGIA_CAMPAIGN") or DEFAULT_CAMPAIGN)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CampaignError(f"campaign file not found: {path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise CampaignError(f"{path}: not valid TOML: {exc}") from None
    try:
        campaign = Campaign.model_validate({**raw, "source_file": path.resolve()})
    except ValidationError as exc:
        first = exc.errors()[0]
        field = field_path(first["loc"])
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise CampaignError(f"{path}: field '{field}': {first['msg']}{more}") from None
    return campaign


def field_path(loc: Sequence[Any]) -> str:
    """A validation error's location as the file reads: ``sources.12.spider`` is the ``spider``
    of the 12th ``[[sources]]`` block (positions in a list count from 1, as a reader counts the
    blocks, not from 0 as pydantic does)."""
    return ".".join(str(p + 1) if isinstance(p, int) else str(p) for p in loc) or "(top level)"
