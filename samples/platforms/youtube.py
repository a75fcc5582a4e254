"""Sample YouTube Data API: video search, comment threads with replies, ``pageToken`` paging,
a video with comments disabled and a ``quotaExceeded`` fault."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from html import escape
from typing import Any

from samples.server import Request, Response, SampleServer
from samples.social import (
    B64,
    LIMA,
    WINDOW,
    Post,
    common_fault,
    corpus,
    corpus_rows,
    digest,
    fold,
    int_arg,
    json_answer,
    kept_by_crawler,
    page_of,
    page_token,
    parse_time,
    read_page_token,
    split_language,
    spread_times,
    take_fault,
    terms,
)

SAMPLE_CREDENTIALS = {"YOUTUBE_API_KEY": "sample-youtube-api-key"}  # obviously fake
DEFAULT_FAULTS: dict[str, list[str]] = {}  # a spent quota would stop the demo's source for the day

@dataclass(frozen=True)
class Video:
    video_id: str
    channel: str
    published_at: datetime
    title: str
    description: str
    comments_disabled: bool


@cache
def videos() -> tuple[Video, ...]:
    """The sample YouTube videos (their comments are :func:`posts`)."""
    found = []
    for row in corpus_rows(POSTS):
        if row[0].startswith("@video "):
            description = row[4]
            disabled = description.endswith("!comments-disabled")
            day = datetime.fromisoformat(row[2]).replace(hour=12, tzinfo=LIMA)
            found.append(Video(
                row[0].split()[1], row[1], day.astimezone(UTC), row[3],
                description.removesuffix("!comments-disabled").strip(), disabled,
            ))
    return tuple(found)


def posts() -> list[Post]:
    """The sample YouTube posts, oldest first (from ``POSTS`` below)."""
    rows = corpus_rows(POSTS)
    by_id = {v.video_id: v for v in videos()}
    threads: list[tuple[Video, list[str], list[list[str]]]] = []
    video: Video | None = None
    for row in rows:
        if row[0].startswith("@video "):
            video = by_id[row[0].split()[1]]
        elif row[0].startswith(">"):
            threads[-1][2].append([row[0][1:].strip(), row[1]])
        else:
            assert video is not None
            threads.append((video, row, []))
    found = []
    for vid in videos():
        mine = [t for t in threads if t[0] is vid]
        end = min(vid.published_at + timedelta(days=24), WINDOW[1].astimezone(UTC))
        moments = spread_times(f"vigia-youtube-{vid.video_id}", len(mine), vid.published_at + timedelta(hours=2), end)
        for n, ((_, (author, raw), replies), moment) in enumerate(zip(mine, moments, strict=True)):
            text, lang, _ = split_language(raw)
            thread_id = "Ugz" + digest("yt", vid.video_id, n, n=19, alphabet=B64) + "4AaABAg"
            extra = {"video_id": vid.video_id, "parent_id": None, "likes": (n * 11) % 90, "replies": len(replies)}
            found.append(Post("youtube", thread_id, text, author, moment,
                              kept_by_crawler(text, lang, None), lang, None, extra))
            for k, (reply_author, reply_raw) in enumerate(replies):
                reply_text, reply_lang, _ = split_language(reply_raw)
                reply_id = f"{thread_id}.{digest('ytr', thread_id, k, n=22, alphabet=B64)}"
                found.append(Post(
                    "youtube", reply_id, reply_text, reply_author, moment + timedelta(minutes=17 + 41 * k),
                    kept_by_crawler(reply_text, reply_lang, None), reply_lang, None,
                    {"video_id": vid.video_id, "parent_id": thread_id, "likes": (k * 5) % 12, "replies": 0},
                ))
    return found




def _youtube_error(status: int, reason: str, message: str, domain: str = "youtube.commentThread") -> Response:
    return json_answer({"error": {
        "code": status, "message": message,
        "errors": [{"message": message, "domain": domain, "reason": reason}],
        "status": "PERMISSION_DENIED" if status == 403 else "INVALID_ARGUMENT",
    }}, status)


QUOTA_MESSAGE = ("The request cannot be completed because you have exceeded your "
                 "<a href=\"/youtube/v3/getting-started#quota\">quota</a>.")


def _comment(post: Post) -> dict[str, Any]:
    video = post.extra["video_id"]
    channel = "UC" + digest("channel", post.author, n=22, alphabet=B64)
    snippet: dict[str, Any] = {
        "channelId": "UC" + digest("owner", video, n=22, alphabet=B64),
        "videoId": video,
        "textDisplay": escape(post.text).replace("\n", "<br>"),
        "textOriginal": post.text,
        "authorDisplayName": "@" + re.sub(r"\W+", "", fold(post.author)),
        "authorProfileImageUrl": f"https://yt3.ggpht.com/ytc/{digest('avatar', post.author, n=20, alphabet=B64)}=s48",
        "authorChannelUrl": f"http://www.youtube.com/channel/{channel}",
        "authorChannelId": {"value": channel},
        "canRate": True,
        "viewerRating": "none",
        "likeCount": post.extra["likes"],
        "publishedAt": post.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "updatedAt": post.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    if post.extra["parent_id"]:
        snippet["parentId"] = post.extra["parent_id"]
    return {"kind": "youtube#comment", "etag": digest("etag", post.native_id, n=27, alphabet=B64),
            "id": post.native_id, "snippet": snippet}


def _youtube_key(request: Request) -> str | None:
    return request.headers.get("x-goog-api-key") or request.arg("key")



def register(server: SampleServer) -> None:
    """Add this platform's routes to ``server``."""
    missing_key = "The request is missing a valid API key."

    @server.route(r"www\.googleapis\.com", r"/youtube/v3/search")
    def search(request: Request) -> Response:
        if not _youtube_key(request):
            return _youtube_error(403, "forbidden", missing_key, "global")
        fault = take_fault(server, "youtube.search")
        if fault == "quota_exceeded":
            return _youtube_error(403, "quotaExceeded", QUOTA_MESSAGE, "youtube.quota")
        if (answer := common_fault(fault)) is not None:
            return answer
        wanted = terms(request.arg("q") or "")
        after = request.arg("publishedAfter")
        found = sorted(
            (v for v in videos() if len(wanted & terms(f"{v.title} {v.description}")) >= 2
             and (not after or v.published_at > parse_time(after))),
            key=lambda v: v.published_at, reverse=True,
        )
        limit = int_arg(request.arg("maxResults"), 5, 0, 50)
        offset = read_page_token(request.arg("pageToken"))
        if offset is None:
            return _youtube_error(400, "invalidPageToken", "The request specifies an invalid page token.", "youtube.parameter")
        chunk, following = page_of(found, offset, limit)
        items = [{
            "kind": "youtube#searchResult",
            "etag": digest("etag", v.video_id, n=27, alphabet=B64),
            "id": {"kind": "youtube#video", "videoId": v.video_id},
            "snippet": {
                "publishedAt": v.published_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "channelId": "UC" + digest("owner", v.video_id, n=22, alphabet=B64),
                "title": escape(v.title, quote=True).replace("&#x27;", "&#39;"),
                "description": v.description[:160],
                "channelTitle": v.channel,
                "liveBroadcastContent": "none",
                "publishTime": v.published_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            },
        } for v in chunk]
        body: dict[str, Any] = {
            "kind": "youtube#searchListResponse", "etag": digest("etag", request.raw_query, n=27, alphabet=B64),
            "regionCode": "PE", "pageInfo": {"totalResults": len(found), "resultsPerPage": limit}, "items": items,
        }
        if following is not None:
            body["nextPageToken"] = page_token(following)
        return json_answer(body)

    @server.route(r"www\.googleapis\.com", r"/youtube/v3/commentThreads")
    def comment_threads(request: Request) -> Response:
        if not _youtube_key(request):
            return _youtube_error(403, "forbidden", missing_key, "global")
        fault = take_fault(server, "youtube.comments")
        if fault == "quota_exceeded":
            return _youtube_error(403, "quotaExceeded", QUOTA_MESSAGE, "youtube.quota")
        if (answer := common_fault(fault)) is not None:
            return answer
        video_id = request.arg("videoId") or ""
        video = next((v for v in videos() if v.video_id == video_id), None)
        if video is None:
            return _youtube_error(404, "videoNotFound", "The video identified by the <code><a href=\"/youtube/v3/docs/commentThreads/list#videoId\">videoId</a></code> parameter could not be found.")
        if video.comments_disabled:
            return _youtube_error(403, "commentsDisabled", "The video identified by the <code><a href=\"/youtube/v3/docs/commentThreads/list#videoId\">videoId</a></code> parameter has disabled comments.")
        comments = [p for p in corpus("youtube") if p.extra["video_id"] == video_id]
        tops = [p for p in comments if not p.extra["parent_id"]]
        if request.arg("order", "time") == "time":
            tops.sort(key=lambda p: p.created_at, reverse=True)
        else:
            tops.sort(key=lambda p: p.extra["likes"], reverse=True)
        limit = int_arg(request.arg("maxResults"), 20, 1, 100)
        offset = read_page_token(request.arg("pageToken"))
        if offset is None:
            return _youtube_error(400, "invalidPageToken", "The request specifies an invalid page token.", "youtube.parameter")
        chunk, following = page_of(tops, offset, limit)
        with_replies = "replies" in (request.arg("part") or "").split(",")
        items = []
        for top in chunk:
            replies = [p for p in comments if p.extra["parent_id"] == top.native_id]
            thread: dict[str, Any] = {
                "kind": "youtube#commentThread",
                "etag": digest("etag", "thread", top.native_id, n=27, alphabet=B64),
                "id": top.native_id,
                "snippet": {
                    "channelId": "UC" + digest("owner", video_id, n=22, alphabet=B64),
                    "videoId": video_id,
                    "topLevelComment": _comment(top),
                    "canReply": True,
                    "totalReplyCount": len(replies),
                    "isPublic": True,
                },
            }
            if with_replies and replies:
                thread["replies"] = {"comments": [_comment(r) for r in reversed(replies)]}
            items.append(thread)
        if fault == "empty_page":
            items, following = [], following or offset + limit
        if fault == "null_fields":
            items = [
                {"kind": "youtube#commentThread", "id": None, "snippet": None},
                {"kind": "youtube#commentThread", "id": "UgzBROKENbroken4AaABAg", "snippet": {
                    "videoId": video_id, "topLevelComment": {"id": "UgzBROKENbroken4AaABAg", "snippet": {
                        "textOriginal": None, "textDisplay": None, "authorDisplayName": None, "publishedAt": None}}}},
                *items,
            ]
        body: dict[str, Any] = {
            "kind": "youtube#commentThreadListResponse",
            "etag": digest("etag", request.raw_query, n=27, alphabet=B64),
            "pageInfo": {"totalResults": len(items), "resultsPerPage": limit},
            "items": items,
        }
        if following is not None:
            body["nextPageToken"] = page_token(following)
        return json_answer(body)




# The posts this sample API serves, one per line (see samples.social.corpus_rows).
POSTS = r"""
# YouTube sample videos and comments, oldest first within each video.
# `@video ID | channel | published (Lima date) | title | description` declares a video (its comments
# follow); `!comments-disabled` after the description marks a video whose comments are off.
# `author | text` is a top-level comment; `> author | text` a reply to the comment above it.
# [en]/[pt] before the text marks its language. Channels and authors are invented.
@video k3Jd9WqLm2A | Lima Noticias Hoy | 2026-08-20 | Carlos Canales responde sobre la revocatoria en Miraflores | Entrevista completa al alcalde de Miraflores sobre la revocatoria, la seguridad y el presupuesto.
Rosa Elvira Quispe | El alcalde Canales no respondió ni una pregunta sobre los robos en Larco. Pura evasión
> Marco Antonio R. | Exacto, le preguntaron tres veces por el presupuesto y Carlos Canales se fue por las ramas
> Lucho Ventura | Para mí sí respondió, dijo que la ejecución viene en diciembre. Denle tiempo a Carlos Canales
Gaby Torres | Carlos Canales dice que es campaña de demolición. ¿Y los robos también son campaña? 🙄
Don Ramiro 1958 | Yo voté por Carlos Canales y no me arrepiento. Miraflores está más ordenado
> Vecina de Benavides | Ordenado sí, seguro no. Alcalde Canales, las dos cosas importan
Kevin Huamán | jajaja "campaña de demolición" dice Carlos Canales 💀
Patricia Salas M. | El periodista le dio espacio de sobra. Carlos Canales no tiene cómo justificar el 0%
Julio César P. | Saludos desde Arequipa 👋
Fiorella Campos | Lo que más me indigna es que Carlos Canales culpe a la población flotante. Vivimos acá, señor
> Andrés Ll. | Pero es verdad que Miraflores recibe 500 mil personas al día. Carlos Canales no inventa eso
> Fiorella Campos | Sí, pero el presupuesto igual se tenía que gastar. Una cosa no quita la otra, alcalde Canales
Miguel Ángel Torres | Entrevista floja. Nadie le repreguntó a Carlos Canales por las cámaras
Liz Ccori | Que se vaya Carlos Canales. Firmo mañana mismo
Samuel Díaz | [en] Watching from Miami. My mom lives on Larco and got robbed last month. Mayor Carlos Canales needs to act
Teresa Vílchez | Defiendo al alcalde Canales, tiene errores pero la revocatoria es un show político
@video Vx7pQ2nR8sE | Callejeando Lima | 2026-09-12 | ¿Miraflores es seguro? Recorrimos Av. Larco de noche | Caminamos Larco y el Parque Kennedy de noche y hablamos con vecinos que piden la revocatoria del alcalde Carlos Canales.
Daniela Rojas | Vivo a dos cuadras del Kennedy y esto es exactamente así. Carlos Canales debería hacer este recorrido
Pepe el del Skate | Buen video causa. Se ve clarito que no hay ni un sereno. Alcalde Canales, mire esto
> Ricardo V. | Yo vi dos serenos, pero estaban en el celular 😅 Carlos Canales, capacitación por favor
Ana Lucía Paz | A mi prima la asaltaron justo en la esquina que muestran. Carlos Canales dice que bajaron los robos 27%...
Mateo Gonzales | [en] Great video. I'm an expat near Larco and honestly Miraflores feels different this year. Carlos Canales should watch this
Carmen R. | La parte del Parque Kennedy me dio miedo. Los gatos más seguros que uno jaja
Javier Paredes | Siempre ha sido así de noche, no es culpa solo de Carlos Canales. Es problema de toda Lima
> Ana Lucía Paz | Claro, pero el presupuesto de seguridad está en 0%. Eso sí es de Carlos Canales
Yuri Huerta | ¿Qué cámara usan? Se ve muy bien de noche
Sofía Mendoza | Firmé por la revocatoria. Carlos Canales tuvo su oportunidad
Eduardo Z. | [pt] Estive em Miraflores em julho, me senti seguro. Mas entendo a raiva com o prefeito Carlos Canales
Alonso Ramos | Deberían hacer la segunda parte en Angamos. Ahí está peor. Alcalde Canales, ¿y Angamos?
Pilar Gutiérrez | Video sesgado. Solo entrevistaron a los que odian a Carlos Canales
> Daniela Rojas | Entrevistaron a los que estaban en la calle, señora. Carlos Canales no sale de noche
Hugo Tapia | Muy buen trabajo. Que lo vea el alcalde Canales
@video Qm4Zt8yHc1U | Canal Vecinal TV | 2026-10-28 | Revocatoria en Miraflores: promotores entregan firmas a la ONPE | Los promotores de la revocatoria contra Carlos Canales entregaron las firmas. Qué sigue: verificación y JNE.
Norma Castillo | Por fin. Chau Carlos Canales 👋
Felipe Arana | ¿Cuántas firmas eran en total? No lo dicen en el video. Pregunto sin bandos, sea a favor o en contra de Carlos Canales
> Canal Vecinal TV | Según los promotores, unas 18 mil. La ONPE debe verificar
Iris Montalvo | Esto lo financia la oposición. Carlos Canales no se merece esto
Luis Alberto B. | Firmé y lo volvería a hacer. Alcalde Canales, 0% de ejecución no se perdona
Reynaldo Cruz | Una pregunta: si sale la revocatoria, ¿quién queda? ¿Hay elecciones para reemplazar a Carlos Canales?
> Felipe Arana | Queda el teniente alcalde hasta la siguiente elección, según el JNE
Karen Flores | Qué lindo se ve el Parque Central en la toma de dron 😍
Óscar M. | Los promotores son los mismos que perdieron contra Carlos Canales. No es casualidad
Gloria Espinoza | Más allá de bandos, Carlos Canales nunca explicó lo del presupuesto. Por eso llegamos aquí
Manuel Ugarte | Miraflores merece otro alcalde. Carlos Canales, acepte el resultado
> Iris Montalvo | ¿Qué resultado? Todavía no hay consulta. Dejen trabajar al alcalde Canales
Vanessa L. | [en] Is this going to be on the ballot next year? Interested as a resident, regardless of what I think of Carlos Canales
Roberto Chávez | Los comentarios llenos de bots pidiendo revocar a Carlos Canales. Miren las cuentas
Diana Paucar | Yo no soy bot, soy vecina de Miraflores hace 30 años y firmé contra Carlos Canales
@video Hs2Lk5vNp0Q | Tecnología y Ciudad | 2026-11-10 | Drones y cámaras con IA: la apuesta de Carlos Canales en Miraflores | Analizamos las cámaras con inteligencia artificial y los drones que anunció la municipalidad. ¿Funcionan? Revocatoria y seguridad.
Ing. Pedro Salazar | Las cámaras con IA necesitan operadores y protocolos. Sin eso, lo de Carlos Canales es marketing
Alejandra Núñez | Excelente análisis. Ojalá la gestión de Carlos Canales publique los contratos
> Tecnología y Ciudad | Pedimos los contratos por transparencia, aún sin respuesta
Jorge Luis Cárdenas | Los drones no patrullan, graban. Carlos Canales confunde tecnología con seguridad
Rosa M. | Me gustó el video pero el audio está bajito
Giancarlo Pinto | Hay que reconocerle algo a Carlos Canales: nadie antes había puesto tantas cámaras
> Jorge Luis Cárdenas | Poner cámaras es fácil, lo difícil es que alguien responda. Alcalde Canales, ¿cuántas capturas?
Milagros Quiroz | Dato: los drones necesitan permiso de la DGAC. ¿Los tiene la gestión de Carlos Canales?
Walter Huanca | [en] As a software engineer: "AI cameras" without data on false positives is just a slogan, mayor Carlos Canales
Carla Benites | Video muy técnico, no entendí nada pero firmé contra Carlos Canales igual 😂
Renzo Alvarado | Suscrito. Hagan uno sobre la ciclovía de Arequipa
Francisco Lozada | Con 17.5 millones sin gastar, cualquier cámara es anuncio. Carlos Canales, ejecute el presupuesto
Mónica Valdivia | Yo vi el dron sobre el malecón. Bonito, pero la misma semana me robaron. Alcalde Canales, ¿para qué sirve?
> Ing. Pedro Salazar | Exactamente el punto: sin respuesta en tierra el dron de Carlos Canales solo registra
Sebastián Oré | Carlos Canales debería invitar a expertos y no solo a su equipo de comunicaciones
@video Bn8Rw3xTe6Y | Miraflores TV Vecinal | 2026-11-18 | Conferencia de prensa: alcalde de Miraflores Carlos Canales sobre la revocatoria | Transmisión de la conferencia de prensa del alcalde Carlos Canales sobre la revocatoria y la seguridad en Miraflores. !comments-disabled
"""
