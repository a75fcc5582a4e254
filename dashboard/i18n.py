"""The interface in Spanish or English: one message catalogue, and dates and numbers per language.

The campaign file chooses the language (``interface_language``; default the first of its
``languages`` the interface speaks), the page can switch it, and the briefing uses the same
catalogue. Messages are ``str.format`` templates with named fields; both languages hold the
same keys and fields (``tests/dashboard/test_i18n.py``). Dates, times, numbers and shares are
formatted by Babel (CLDR data) for the language, times in the campaign's time zone.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pandas as pd
from babel.dates import format_date as _format_date
from babel.dates import format_datetime as _format_datetime
from babel.numbers import format_decimal, format_percent

LANGUAGES = {"es": "Español", "en": "English"}
# The locale vl-convert formats a chart's numbers and dates in (d3-format / d3-time-format).
CHART_LOCALES = {"es": "es-ES", "en": "en-US"}
DEFAULT = "es"

MESSAGES: dict[str, dict[str, str]] = {
    "es": {
        # page frame
        "page.title": "Vigia: {campaign}",
        "page.sample_data": "**Datos de muestra.** Estos textos vienen de las fuentes de muestra de `vigia demo`, no de los medios y redes reales.",
        "page.covered": "{documents} textos, del {start} al {end} (días de {timezone}).",
        "page.covered_why": "Cada historia cuenta una vez: las reproducciones de agencia y de medios hermanos se suman a su original ({copies} copias más en `mentions`).",
        "page.computed": "Fin de la página. Calculada en {seconds} s en el servidor.",
        "page.language": "Idioma",
        "page.link": "Enlace a esta vista",
        "page.link_help": "La dirección de la página guarda todos los filtros y consultas: cópiela para compartir esta vista.",
        "page.link_problems": "Parte del enlace no se pudo leer: {problems}",
        "page.refresh": "Actualizar datos",
        # freshness
        "fresh.title": "¿Qué tan frescos son los datos?",
        "fresh.last_crawl": "Última recolección exitosa: {when}",
        "fresh.never": "Ninguna recolección exitosa todavía.",
        "fresh.backlog": "Pendientes: {unscored} textos sin puntuar, {spooled} lotes esperando al escritor.",
        "fresh.source": "fuente", "fresh.spider": "recolector", "fresh.documents": "textos",
        "fresh.last_success": "último éxito", "fresh.last_attempt": "último intento", "fresh.status": "estado",
        # filters
        "filters.header": "Filtros",
        "filters.campaign": "Campaña",
        "filters.dates": "Publicados entre",
        "filters.source_type": "Tipo de fuente",
        "filters.platform": "Medio o red",
        "filters.topic": "Tema",
        "filters.all": "todos",
        "filters.reprints": "Contar las reproducciones por separado",
        "filters.reprints_help": "Las copias de agencia y de medios hermanos son una historia; activado, cada copia cuenta.",
        # the query box
        "query.label": "Consulta (palabras enteras; \"frase exacta\", OR, -excluir, prefijo*)",
        "query.help": "Sin distinguir tildes ni mayúsculas. Ejemplos: cámaras OR drones · alcalde -revocatoria · \"serenazgo de Miraflores\" · robo*",
        "query.error": "No se puede leer la consulta: {message}",
        "query.none_found": "Ningún texto coincide con «{query}» en estos filtros.",
        "query.all_texts": "(todos los textos)",
        # headline figures
        "head.documents": "Textos",
        "head.documents_help": "Textos en los filtros (reproducciones sumadas a su original salvo que se cuenten aparte).",
        "head.negative": "Negativos, {start} a {end}",
        "head.negative_help": "Parte de los textos puntuados como negativos en las fechas mostradas.",
        "head.toward_target": "Hacia {target}: negativos",
        "head.toward_target_help": "Entre los textos sobre {target}: parte cuyos pasajes sobre él son negativos.",
        "head.stance": "A favor / en contra",
        "head.stance_help": "Textos que argumentan a favor / en contra de la revocatoria.",
        # sections
        "spikes.title": "¿Qué acaba de pasar? Picos de volumen, de negatividad hacia {target} y de postura",
        "spikes.caption": "Barras: textos por día. Triángulos rojos: picos (un día muy por encima de las 4 semanas anteriores, aunque estén fuera de las fechas mostradas). Líneas naranjas: calendario y eventos.",
        "spikes.none": "Ningún pico en estas fechas: volumen, negatividad hacia {target} y postura dentro de lo habitual.",
        "spikes.pick": "Pico",
        "spikes.why": "¿Por qué este pico? Qué cambió el {day} frente a los {baseline_days} días anteriores ({baseline_start} a {baseline_end})",
        "spikes.words": "Palabras y frases que subieron",
        "spikes.topics": "Temas", "spikes.outlets": "Medios y redes", "spikes.accounts": "Cuentas",
        "spikes.texts": "Los textos que lo impulsaron",
        "spikes.excess": "textos de más",
        "spikes.usual": "lo habitual: {value}",
        "spikes.rose": "Subieron: {terms}",
        "calendar.title": "¿Dónde estamos en la revocatoria? El calendario y los eventos",
        "calendar.last": "Último hito: **{label}** ({day}).",
        "calendar.next": "Próximo: **{label}** el {day}, {days} días después del último día mostrado.",
        "calendar.none": "El archivo de campaña no declara calendario: añada entradas `[[calendar]]`.",
        "events.title": "Eventos añadidos por analistas",
        "events.add": "Añadir un evento a las líneas de tiempo (un debate, un escándalo)",
        "events.edit": "Corregir o borrar un evento",
        "events.day": "Día", "events.label": "Qué pasó", "events.source": "Enlace a la fuente (opcional, http/https)",
        "events.analyst": "Su nombre", "events.save": "Guardar", "events.delete": "Borrar",
        "events.added": "Evento añadido: ya se dibuja en las líneas de tiempo.",
        "events.saved": "Evento corregido.", "events.deleted": "Evento borrado.",
        "tone.title": "¿Qué tan favorable es? Sentimiento en el tiempo",
        "target.title": "¿Cómo tratan los textos a {target}?",
        "security.title": "¿La percepción de inseguridad sigue a las cifras de delitos?",
        "topics.title": "¿Qué temas? Parte de los textos por tema, por semana",
        "topics.caption": "Un texto puede tener varios temas: las partes pueden sumar más de 100 %.",
        "stance.title": "¿Quién argumenta a favor o en contra de la revocatoria?",
        "who.title": "¿Quién habla, y de quién?",
        "voice.title": "Cuota de voz: {target} y los demás actores",
        "voice.caption": "Parte de los textos que nombran a alguno de ellos; un texto que nombra a dos cuenta para ambos.",
        "voice.none": "Aún no hay puntuaciones por actor: aparecen cuando el archivo de campaña lista actores y `vigia score` los puntuó.",
        "compare.title": "Comparar consultas (hasta {max})",
        "compare.add": "Consulta a comparar",
        "compare.volume": "Textos por día",
        "compare.share": "Parte de la cobertura",
        "compare.sentiment": "Negativos hacia {target}",
        "compare.top_words": "Palabras y frases principales (muestra de {read} de {matched} textos)",
        "compare.top_outlets": "Medios principales", "compare.top_accounts": "Cuentas principales",
        "compare.too_many": "Se comparan hasta {max} consultas.",
        "explorer.title": "Encuéntreme los textos sobre X: buscar, filtrar, leer, exportar",
        "explorer.page": "Página (de {pages}; {total} textos, mejor coincidencia primero)",
        "explorer.export": "Exportar como", "explorer.prepare": "Preparar exportación",
        "explorer.download": "Descargar {format} ({size})",
        "explorer.empty": "Ningún texto en esta selección.",
        "doc.title": "Leer un texto y corregir sus puntuaciones",
        "sql.title": "Consultar el almacén en SQL (solo lectura)",
        "trust.title": "¿Cuánto confiar en estas puntuaciones?",
        "queue.title": "¿Qué textos etiquetar ahora?",
        "alerts.title": "Reglas de alerta",
        "alerts.caption": "Las mismas que lee `vigia alerts`. Valores por defecto del archivo de campaña; los cambios se guardan en el almacén.",
        "alerts.metric": "Qué se vigila", "alerts.query": "Consulta (vacía: todos los textos)",
        "alerts.enabled": "Activa", "alerts.z": "Desviaciones sobre lo habitual", "alerts.min_count": "Mínimo de textos al día",
        "alerts.window": "Días de referencia", "alerts.origin": "Origen", "alerts.save": "Guardar regla",
        "alerts.delete": "Volver al valor por defecto",
        "briefing.button": "Descargar el informe (PDF)",
        "briefing.title": "Informe: {campaign}",
        "briefing.generated": "Generado el {when} ({timezone}). Datos: {start} a {end}, {documents} textos.",
        "briefing.filters": "Filtros: {filters}",
        "briefing.headline": "Cifras principales",
        "briefing.spikes": "Picos y los textos que los impulsaron",
        "briefing.no_spikes": "Ningún pico en estas fechas.",
        "briefing.calendar": "Calendario y eventos",
        "briefing.queries": "Consultas comparadas",
        "briefing.page": "Página {page} de {pages}",
        # labels of values
        "value.negative": "negativo", "value.neutral": "neutral", "value.positive": "positivo",
        "value.pro_recall": "a favor de la revocatoria", "value.anti_recall": "en contra de la revocatoria",
        "value.none": "sin postura", "value.news": "noticias", "value.social": "redes sociales",
        "metric.volume": "textos", "metric.target_negative": "parte negativa hacia {target}",
        "metric.pro_recall": "textos a favor de la revocatoria", "metric.anti_recall": "textos en contra de la revocatoria",
        "axis.day": "día", "axis.week": "semana (desde)", "axis.documents": "textos", "axis.share": "parte",
        "week.partial": "semana parcial: {days} de 7 días",
    },
    "en": {
        "page.title": "Vigia: {campaign}",
        "page.sample_data": "**Sample data.** These texts come from the bundled sample sources of `vigia demo`, not from the real outlets and networks.",
        "page.covered": "{documents} texts, {start} to {end} ({timezone} days).",
        "page.covered_why": "Each story counts once: agency and sister-outlet reprints are folded into their original ({copies} more copies in `mentions`).",
        "page.computed": "End of page. Computed in {seconds} s on the server.",
        "page.language": "Language",
        "page.link": "Link to this view",
        "page.link_help": "The page's address holds every filter and query: copy it to share this view.",
        "page.link_problems": "Part of the link could not be read: {problems}",
        "page.refresh": "Refresh data",
        "fresh.title": "How fresh is the data?",
        "fresh.last_crawl": "Last successful crawl: {when}",
        "fresh.never": "No successful crawl yet.",
        "fresh.backlog": "Waiting: {unscored} texts not scored, {spooled} batches waiting for the writer.",
        "fresh.source": "source", "fresh.spider": "spider", "fresh.documents": "texts",
        "fresh.last_success": "last success", "fresh.last_attempt": "last attempt", "fresh.status": "status",
        "filters.header": "Filters",
        "filters.campaign": "Campaign",
        "filters.dates": "Published between",
        "filters.source_type": "Source type",
        "filters.platform": "Outlet or network",
        "filters.topic": "Topic",
        "filters.all": "all",
        "filters.reprints": "Count reprints separately",
        "filters.reprints_help": "Agency copies and sister-outlet reprints are one story; on, each copy counts.",
        "query.label": "Query (whole words; \"exact phrase\", OR, -exclude, prefix*)",
        "query.help": "Accents and case ignored. Examples: cámaras OR drones · alcalde -revocatoria · \"serenazgo de Miraflores\" · robo*",
        "query.error": "The query cannot be read: {message}",
        "query.none_found": "No text matches “{query}” with these filters.",
        "query.all_texts": "(all texts)",
        "head.documents": "Texts",
        "head.documents_help": "Texts in the filters (reprints folded into their original unless counted separately).",
        "head.negative": "Negative, {start} to {end}",
        "head.negative_help": "Share of the scored texts rated negative over the dates shown.",
        "head.toward_target": "Toward {target}: negative",
        "head.toward_target_help": "Among texts about {target}: share whose passages about him are negative.",
        "head.stance": "For / against",
        "head.stance_help": "Texts arguing for / against the recall.",
        "spikes.title": "What just happened? Spikes in volume, negativity toward {target} and stance",
        "spikes.caption": "Bars: texts a day. Red triangles: spikes (a day far above the 4 weeks before it, even outside the dates shown). Orange rules: the calendar and events.",
        "spikes.none": "No spike in these dates: volume, negativity toward {target} and stance stayed within their usual range.",
        "spikes.pick": "Spike",
        "spikes.why": "Why this spike? What changed on {day} against the {baseline_days} days before ({baseline_start} to {baseline_end})",
        "spikes.words": "Words and phrases that rose",
        "spikes.topics": "Topics", "spikes.outlets": "Outlets and networks", "spikes.accounts": "Accounts",
        "spikes.texts": "The texts that drove it",
        "spikes.excess": "texts above usual",
        "spikes.usual": "usually {value}",
        "spikes.rose": "Rose: {terms}",
        "calendar.title": "Where are we in the recall? The calendar and events",
        "calendar.last": "Last milestone passed: **{label}** ({day}).",
        "calendar.next": "Next: **{label}** on {day}, {days} days after the last day shown.",
        "calendar.none": "The campaign file declares no calendar: add `[[calendar]]` entries.",
        "events.title": "Events added by analysts",
        "events.add": "Add an event to the timelines (a debate, a scandal)",
        "events.edit": "Correct or delete an event",
        "events.day": "Day", "events.label": "What happened", "events.source": "Source link (optional, http/https)",
        "events.analyst": "Your name", "events.save": "Save", "events.delete": "Delete",
        "events.added": "Event added: it is drawn on the timelines.",
        "events.saved": "Event corrected.", "events.deleted": "Event deleted.",
        "tone.title": "How favourable is it? Sentiment over time",
        "target.title": "How do texts treat {target}?",
        "security.title": "Is the perception of insecurity following the crime figures?",
        "topics.title": "Which topics? Share of texts per topic, by week",
        "topics.caption": "A text can have several topics: the shares can add up to more than 100%.",
        "stance.title": "Who argues for or against the recall?",
        "who.title": "Who is talking, and about whom?",
        "voice.title": "Share of voice: {target} and the other actors",
        "voice.caption": "Share of the texts naming any of them; a text naming two counts for both.",
        "voice.none": "No actor scores yet: they appear once the campaign file lists actors and `vigia score` has scored them.",
        "compare.title": "Compare queries (up to {max})",
        "compare.add": "Query to compare",
        "compare.volume": "Texts a day",
        "compare.share": "Share of coverage",
        "compare.sentiment": "Negative toward {target}",
        "compare.top_words": "Top words and phrases (a sample of {read} of {matched} texts)",
        "compare.top_outlets": "Top outlets", "compare.top_accounts": "Top accounts",
        "compare.too_many": "Up to {max} queries are compared.",
        "explorer.title": "Find me the texts about X: search, filter, read, export",
        "explorer.page": "Page (of {pages}; {total} texts, best match first)",
        "explorer.export": "Export as", "explorer.prepare": "Prepare export",
        "explorer.download": "Download {format} ({size})",
        "explorer.empty": "No text in this selection.",
        "doc.title": "Read a text and correct its scores",
        "sql.title": "Ask the warehouse in SQL (read-only)",
        "trust.title": "How far can these scores be trusted?",
        "queue.title": "Which texts should be labelled next?",
        "alerts.title": "Alert rules",
        "alerts.caption": "The ones `vigia alerts` reads. Defaults from the campaign file; changes are stored in the warehouse.",
        "alerts.metric": "Watched", "alerts.query": "Query (empty: every text)",
        "alerts.enabled": "On", "alerts.z": "Deviations above usual", "alerts.min_count": "Minimum texts a day",
        "alerts.window": "Baseline days", "alerts.origin": "From", "alerts.save": "Save rule",
        "alerts.delete": "Back to the default",
        "briefing.button": "Download the briefing (PDF)",
        "briefing.title": "Briefing: {campaign}",
        "briefing.generated": "Generated {when} ({timezone}). Data: {start} to {end}, {documents} texts.",
        "briefing.filters": "Filters: {filters}",
        "briefing.headline": "Headline figures",
        "briefing.spikes": "Spikes and the texts that drove them",
        "briefing.no_spikes": "No spike in these dates.",
        "briefing.calendar": "Calendar and events",
        "briefing.queries": "Queries compared",
        "briefing.page": "Page {page} of {pages}",
        "value.negative": "negative", "value.neutral": "neutral", "value.positive": "positive",
        "value.pro_recall": "for the recall", "value.anti_recall": "against the recall",
        "value.none": "no stance", "value.news": "news", "value.social": "social networks",
        "metric.volume": "texts", "metric.target_negative": "share negative toward {target}",
        "metric.pro_recall": "texts for the recall", "metric.anti_recall": "texts against the recall",
        "axis.day": "day", "axis.week": "week (from)", "axis.documents": "texts", "axis.share": "share",
        "week.partial": "partial week: {days} of 7 days",
    },
}


def language(requested: str | None, campaign_default: str | None = None) -> str:
    """The language to show: the requested one when the interface speaks it, else the
    campaign's, else Spanish."""
    for lang in (requested, campaign_default):
        if lang in LANGUAGES:
            return str(lang)
    return DEFAULT


class Texts:
    """The catalogue of one language: ``texts("spikes.title", target="Carlos Canales")``."""

    def __init__(self, lang: str) -> None:
        self.lang = language(lang)
        self.messages = MESSAGES[self.lang]

    def __call__(self, key: str, **values: object) -> str:
        template = self.messages.get(key)
        if template is None:
            raise KeyError(f"no message {key!r} in the {self.lang} catalogue")
        return template.format(**values) if values else template

    def value(self, value: str | None, **fields: object) -> str:
        """A stored label (``negative``, ``pro_recall``, ``news``, a spike metric) in words."""
        if value is None:
            return "—"
        for prefix in ("value.", "metric."):
            if prefix + value in self.messages:
                return self(prefix + value, **fields) if fields else self.messages[prefix + value]
        return value

    # -- formatting (Babel, CLDR) -------------------------------------------------------------

    def number(self, value: float | int | None, digits: int = 0) -> str:
        if value is None or (isinstance(value, float) and pd.isna(value)):
            return "n/d" if self.lang == "es" else "n/a"
        pattern = "#,##0" + ("." + "0" * digits if digits else "")
        return format_decimal(value, format=pattern, locale=self.lang)

    def percent(self, value: float | None, digits: int = 0) -> str:
        if value is None or pd.isna(value):
            return "n/d" if self.lang == "es" else "n/a"
        pattern = "#,##0" + ("." + "0" * digits if digits else "") + "%"
        return format_percent(value, format=pattern, locale=self.lang)

    def date(self, value: date | datetime | pd.Timestamp | None, style: str = "medium") -> str:
        if value is None or (isinstance(value, pd.Timestamp) and pd.isna(value)):
            return "—"
        if isinstance(value, pd.Timestamp):
            value = value.to_pydatetime()
        if isinstance(value, datetime):
            value = value.date()
        return _format_date(value, format=style, locale=self.lang)

    def datetime(self, value: datetime | pd.Timestamp | None, timezone: str, style: str = "medium") -> str:
        """A moment in the campaign's time zone (a naive value is taken as UTC, as stored)."""
        if value is None or (isinstance(value, pd.Timestamp) and pd.isna(value)):
            return "—"
        stamp = pd.Timestamp(value)
        if stamp.tzinfo is None:
            stamp = stamp.tz_localize("UTC")
        local = stamp.tz_convert(ZoneInfo(timezone)).to_pydatetime()
        return _format_datetime(local, format=style, tzinfo=ZoneInfo(timezone), locale=self.lang)

    def week(self, start: date | pd.Timestamp, days: int) -> str:
        """A week labelled by its first day, with how much of it is in the range when partial."""
        label = self.date(start)
        return label if days >= 7 else f"{label} ({self('week.partial', days=days)})"
