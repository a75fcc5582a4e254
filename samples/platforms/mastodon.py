"""Sample Mastodon: the public hashtag timelines of two instances, with federated copies,
boosts, ``Link`` paging and ISO-8601 rate-limit resets."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html import escape
from typing import Any
from urllib.parse import urlencode

from samples.server import Request, Response, SampleServer
from samples.social import (
    Post,
    common_fault,
    corpus,
    corpus_rows,
    digest,
    int_arg,
    iso,
    json_answer,
    kept_by_crawler,
    left_in_window,
    now_seconds,
    post_times,
    split_language,
    take_fault,
)

SAMPLE_CREDENTIALS: dict[str, str] = {}  # public timelines need no token
DEFAULT_FAULTS = {"mastodon.tag": ["rate_limit"]}
MASTODON_HOME = "mastodon.social"
MASTODON_INSTANCES = ("mastodon.social", "mastodon.lat")


def posts() -> list[Post]:
    """The sample Mastodon posts, oldest first (from ``POSTS`` below)."""
    rows = corpus_rows(POSTS)
    found = []
    for i, ((account, raw), moment) in enumerate(zip(rows, post_times("mastodon", len(rows)), strict=True)):
        text, lang, hint = split_language(raw.replace("\\n", "\n"))
        user, _, home = account.partition("@")
        home = home or MASTODON_HOME
        home_id = _snowflake_mastodon(moment, i)
        # Federated copies get their own, later, local id on the other instance.
        ids = {home: str(home_id)}
        if i % 3 == 0:
            other = next(h for h in MASTODON_INSTANCES if h != home)
            ids[other] = str(_snowflake_mastodon(moment + timedelta(seconds=2 + i % 5), 500 + i))
        uri = f"https://{home}/users/{user}/statuses/{home_id}"
        found.append(Post(
            "mastodon", uri, text, f"{user}@{home}", moment, kept_by_crawler(text, lang, hint),
            lang, hint,
            {"user": user, "home": home, "ids": ids, "url": f"https://{home}/@{user}/{home_id}",
             "tags": sorted({t.lower() for t in re.findall(r"#(\w+)", text)}), "favourites": (i * 5) % 17},
        ))
    return found




def _snowflake_mastodon(moment: datetime, seq: int) -> int:
    return (int(moment.timestamp() * 1000) << 16) + (seq & 0xFFFF)




def _mastodon_status(post: Post, instance: str) -> dict[str, Any]:
    user, home = post.extra["user"], post.extra["home"]
    return {
        "id": post.extra["ids"][instance],
        "created_at": iso(post.created_at),
        "in_reply_to_id": None,
        "sensitive": False,
        "spoiler_text": "",
        "visibility": "public",
        "language": post.lang_hint,
        "uri": post.native_id,
        "url": post.extra["url"],
        "replies_count": post.extra["favourites"] % 3,
        "reblogs_count": post.extra["favourites"] % 5,
        "favourites_count": post.extra["favourites"],
        "content": mastodon_html(post.text, home),
        "reblog": None,
        "account": {
            "id": str(int(digest("acct", user, home, n=10, alphabet="0123456789")) + 10**11),
            "username": user,
            "acct": user if home == instance else f"{user}@{home}",
            "display_name": user.replace("_", " ").title(),
            "url": f"https://{home}/@{user}",
        },
        "media_attachments": [],
        "mentions": [],
        "tags": [{"name": t, "url": f"https://{instance}/tags/{t}"} for t in post.extra["tags"]],
    }


def mastodon_html(text: str, instance: str) -> str:
    """Text as Mastodon renders a status: paragraphs, hashtag and mention links, escaped."""

    def inline(chunk: str) -> str:
        out = escape(chunk, quote=True).replace("&#x27;", "&#39;").replace("\n", "<br />")
        out = re.sub(
            r"(?<![\w&])#(\w+)",
            lambda m: f'<a href="https://{instance}/tags/{m.group(1).lower()}" class="mention hashtag" '
            f'rel="tag">#<span>{m.group(1)}</span></a>',
            out,
        )
        return re.sub(
            r"(?<!\w)@(\w+)",
            lambda m: f'<span class="h-card" translate="no"><a href="https://{instance}/@{m.group(1)}" '
            f'class="u-url mention">@<span>{m.group(1)}</span></a></span>',
            out,
        )

    return "".join(f"<p>{inline(p)}</p>" for p in text.split("\n\n"))


def _mastodon_reblogs(instance: str) -> list[dict[str, Any]]:
    """A few boosts by local accounts: wrappers with empty content around the original."""
    posts = [p for p in corpus("mastodon") if instance in p.extra["ids"]]
    boosts = []
    for n, post in enumerate(posts[5::12]):
        moment = post.created_at + timedelta(hours=3)
        original = _mastodon_status(post, instance)
        booster = f"booster_{n}"
        boosts.append({
            **original,
            "id": str(_snowflake_mastodon(moment, 900 + n)),
            "created_at": iso(moment),
            "uri": f"https://{instance}/users/{booster}/statuses/{_snowflake_mastodon(moment, 900 + n)}/activity",
            "url": None,
            "content": "",
            "language": None,
            "account": {**original["account"], "username": booster, "acct": booster, "display_name": "Booster"},
            "reblog": original,
        })
    return boosts


def _mastodon_headers(server: SampleServer, instance: str) -> dict[str, str]:
    used = len(server.requests_to(instance, "/api/"))
    reset = datetime.fromtimestamp(now_seconds() + 300, UTC)
    return {
        "X-RateLimit-Limit": "300",
        "X-RateLimit-Remaining": str(left_in_window(300, used)),
        "X-RateLimit-Reset": iso(reset),
    }


def register(server: SampleServer) -> None:
    """Add this platform's routes to ``server``."""
    @server.route(r"mastodon\.(social|lat)", r"/api/v1/timelines/tag/[^/]+")
    def tag_timeline(request: Request) -> Response:
        instance = request.host
        headers = _mastodon_headers(server, instance)
        fault = take_fault(server, "mastodon.tag")
        if fault == "rate_limit":
            headers.update({"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": iso(datetime.fromtimestamp(now_seconds() + 1, UTC))})
            return json_answer({"error": "Too many requests"}, 429, headers)
        if (answer := common_fault(fault)) is not None:
            return answer
        tag = request.path.rsplit("/", 1)[1].lower()
        statuses = [
            _mastodon_status(p, instance) for p in corpus("mastodon")
            if instance in p.extra["ids"] and tag in p.extra["tags"]
        ]
        statuses += [b for b in _mastodon_reblogs(instance) if tag in [t["name"] for t in b["reblog"]["tags"]]]
        statuses.sort(key=lambda s: int(s["id"]), reverse=True)
        max_id, since_id, min_id = (request.arg(k) for k in ("max_id", "since_id", "min_id"))
        links: list[str] = []
        base = request.local(f"https://{instance}{request.path}")
        if max_id:
            statuses = [s for s in statuses if int(s["id"]) < int(max_id)]
        if since_id:
            statuses = [s for s in statuses if int(s["id"]) > int(since_id)]
        limit = int_arg(request.arg("limit"), 20, 1, 40)
        if min_id:  # the page just after min_id, still newest first
            statuses = sorted((s for s in statuses if int(s["id"]) > int(min_id)), key=lambda s: int(s["id"]))
            page = list(reversed(statuses[:limit]))
        else:
            page = statuses[:limit]
        if fault == "empty_page":  # no statuses, yet a next link as if more were to come
            page = []
            links.append(f'<{base}?{urlencode({"limit": limit, "max_id": max_id or "999999999999999999"})}>; rel="next"')
        if fault == "null_fields":
            page = [{"id": None, "content": "<p>sin id</p>"},
                    {"id": str(int(page[0]["id"]) + 1) if page else "2", "content": None, "account": None,
                     "created_at": None, "url": None}, *page]
        if page and len(page) >= limit:
            links.append(f'<{base}?{urlencode({"limit": limit, "max_id": page[-1]["id"]})}>; rel="next"')
        if page and page[0].get("id"):
            links.append(f'<{base}?{urlencode({"limit": limit, "min_id": page[0]["id"]})}>; rel="prev"')
        if links:
            headers["Link"] = ", ".join(links)
        return json_answer(page, headers=headers)




# The posts this sample API serves, one per line (see samples.social.corpus_rows).
POSTS = r"""
# Mastodon sample statuses, oldest first: `account | text`. An account without @instance lives on
# mastodon.social. [en]/[pt] before the text marks its language, [es|] one that carries no language.
# `\n\n` separates paragraphs. Every handle is invented except the public officials'.
malecon_watch | Tercer robo de la semana en el Parque Kennedy. El alcalde Canales sigue sin dar la cara. #Miraflores #inseguridad
vecinaocho@mastodon.lat | Se compró el kit de revocatoria. Ahora sí, Carlos Canales, a rendir cuentas. #RevocatoriaMiraflores
datos_abiertos_pe | Revisé la consulta amigable del MEF: Miraflores tiene 17.5 millones para seguridad ciudadana y ejecución 0%.\n\nNo es opinión, es el portal oficial. @carloscanalesa debería explicarlo. #Miraflores #CarlosCanales
expat_in_lima | [en] Got my phone snatched on Av. Larco in broad daylight. Locals tell me mayor Carlos Canales keeps saying crime is down. Not my experience. #Miraflores
lucia_ferrer@mastodon.lat | El alcalde Canales dice que la revocatoria es una campaña de demolición política. Yo solo quiero caminar tranquila por Larco. #RevocatoriaMiraflores
tio_cebiche | Defiendo a Carlos Canales: el malecón nunca estuvo tan limpio. La revocatoria es un capricho. #NoALaRevocatoria #Miraflores
pucp_estadistica | Sobre el "bajaron los robos 27%": sin la serie completa de denuncias no se puede evaluar. Pedimos a la gestión de Carlos Canales que publique los datos. #Miraflores
chamba_en_larco@mastodon.lat | Trabajo en un restaurante de Larco y cada semana asaltan a algún cliente. Carlos Canales, ¿y el serenazgo? #Miraflores
radio_vecinal | Entrevista hoy 7pm: promotores de la revocatoria y un regidor de la gestión de Carlos Canales. Preguntas con #RevocatoriaMiraflores
surf_costa_verde | Olas buenas hoy en Makaha 🏄 #Miraflores
expat_in_lima | [en] Can someone explain the recall process? I see people collecting signatures against Carlos Canales near Parque Kennedy. #RevocatoriaMiraflores
vecinaocho@mastodon.lat | Cero soles ejecutados en seguridad y el alcalde Canales inaugurando una pileta. Prioridades. #Miraflores
datos_abiertos_pe | Actualicé la tabla: gasto en seguridad de Miraflores por mes. Sigue en 0% para el rubro de 17.5 millones. Carlos Canales no ha respondido el pedido de acceso. #CarlosCanales
tio_cebiche | Los que quieren revocar a Carlos Canales no tienen propuesta, solo odio. #NoALaRevocatoria
maria_jose_v | Ayer intentaron robarle a mi papá en la esquina de Schell con Diagonal. Un sereno llegó a los 20 minutos. Gracias por nada, alcalde Canales. #Miraflores
brasileira_em_lima | [pt] Alguém sabe se é seguro andar à noite em Miraflores? Li que o prefeito Carlos Canales enfrenta um pedido de revogação. #Miraflores
lucia_ferrer@mastodon.lat | Los drones con IA de Carlos Canales: mucha conferencia, cero resultados. #Miraflores #CarlosCanales
malecon_watch | Hoy sí vi patrullaje en el malecón. Un día. El alcalde Canales debería hacerlo costumbre. #Miraflores
pucp_estadistica | Hilo corto: población flotante de 500 mil personas vs 100 mil residentes. Las tasas por residente exageran, pero eso no borra las denuncias. El alcalde Canales usa solo la mitad del argumento. #Miraflores
radio_vecinal | [es|] Resumen del programa: los promotores dicen tener 12 mil firmas contra Carlos Canales; la gestión dice que es una guerra sucia. #RevocatoriaMiraflores
chamba_en_larco@mastodon.lat | Otra vez cerraron Larco por un evento de la muni. Carlos Canales, la gente trabaja acá. #Miraflores
expat_in_lima | [en] Update: the municipality now says the AI cameras will "predict" crime. Carlos Canales seems to love buzzwords. #Miraflores
tio_cebiche | Carlos Canales recibió un distrito quebrado. Que lo dejen trabajar. #NoALaRevocatoria #Miraflores
vecinaocho@mastodon.lat | Firmé en el módulo de la avenida Pardo. Chau Carlos Canales 👋 #RevocatoriaMiraflores
datos_abiertos_pe | Ojo: la muni de @carloscanalesa informa "más cámaras" pero el contrato de videovigilancia no figura en el SEACE. Pregunta abierta. #CarlosCanales
maria_jose_v | El alcalde Canales dice que los robos son culpa de la población flotante. ¿Y los que vivimos aquí qué? #Miraflores
lucia_ferrer@mastodon.lat | No me gusta el alcalde Canales, pero tampoco los promotores de la revocatoria. Qué difícil votar así. #RevocatoriaMiraflores
surf_costa_verde | ¿Alguien sabe si la bajada de Balta ya está abierta? #Miraflores
pucp_estadistica | Las denuncias por robo en la comisaría de Miraflores subieron en el tercer trimestre según la PNP. La cifra de la gestión de Carlos Canales no coincide. #Miraflores #CarlosCanales
malecon_watch | Carlos Canales en conferencia: "la revocatoria es un intento de desestabilizar". Ya pues, y los robos en Kennedy? #RevocatoriaMiraflores
chamba_en_larco@mastodon.lat | Un turista me pidió ayuda porque le robaron la mochila. Le dije que llame al serenazgo. Se rió. Alcalde Canales, ni los turistas le creen. #Miraflores
expat_in_lima | [en] I support the recall petition. Mayor Carlos Canales has had enough time and the security budget is still unspent. #RevocatoriaMiraflores
tio_cebiche | Miren los parques, miren el malecón. Carlos Canales trabaja. #NoALaRevocatoria
radio_vecinal | Mañana en vivo: ¿qué pasa con los 17.5 millones de seguridad? Invitamos a la gestión de Carlos Canales, aún no confirma. #Miraflores
vecinaocho@mastodon.lat | #RevocatoriaMiraflores se vuelve tendencia. Carlos Canales, escuche a sus vecinos.
maria_jose_v | Qué vergüenza el alcalde Canales culpando a los periodistas. #Miraflores
datos_abiertos_pe | Nota metodológica: las cifras de robos que cita la gestión de Carlos Canales son de partes del serenazgo, no de denuncias policiales. Son cosas distintas. #CarlosCanales
lucia_ferrer@mastodon.lat | Hoy hubo una marcha pequeña en el Parque Central contra Carlos Canales. Unas 200 personas, muy pacífica. #RevocatoriaMiraflores #Miraflores
surf_costa_verde | [en] Sunset at the Miraflores cliffs never gets old 🌅 #Miraflores
brasileira_em_lima | [pt] Voltei ao Brasil. Miraflores é lindo, mas os moradores reclamam muito do prefeito Carlos Canales e da segurança. #Miraflores
pucp_estadistica | Los drones anunciados por Carlos Canales requieren permisos de la DGAC. ¿Los tiene? Pregunta técnica, no política. #CarlosCanales
malecon_watch | Robaron una bici en el Parque del Amor a plena luz del día. El alcalde Canales ni tuitea. #Miraflores
tio_cebiche | Firmar contra Carlos Canales es hacerle el juego a los que perdieron la elección. #NoALaRevocatoria #RevocatoriaMiraflores
chamba_en_larco@mastodon.lat | ¿Alguien sabe si el módulo de firmas en Larco sigue? #RevocatoriaMiraflores
expat_in_lima | [en] The recall debate in Miraflores is getting ugly on both sides. Whatever you think of Carlos Canales, harassment isn't the answer. #Miraflores
vecinaocho@mastodon.lat | Entregaron las firmas contra Carlos Canales a la ONPE. Ahora toca esperar. #RevocatoriaMiraflores
datos_abiertos_pe | Cierre de noviembre: el presupuesto de seguridad de Miraflores sigue con ejecución mínima. La gestión de Carlos Canales anunció compras "antes de fin de año". #CarlosCanales #Miraflores
maria_jose_v | El alcalde Canales por fin visitó la comisaría. Bien, pero llega tarde. #Miraflores
radio_vecinal | Encuesta de la radio (no científica): 6 de cada 10 oyentes firmarían contra Carlos Canales. #RevocatoriaMiraflores
lucia_ferrer@mastodon.lat | Los serenos que conozco dicen que los turnos de noche se redujeron con Carlos Canales. #Miraflores
tio_cebiche | Los mismos que piden revocar a Carlos Canales no votaron en 2022. #NoALaRevocatoria
pucp_estadistica | Si la ONPE valida las firmas, la consulta de revocatoria de Carlos Canales iría a la próxima fecha nacional. #RevocatoriaMiraflores
malecon_watch | Noche tranquila en Kennedy por primera vez en semanas. Veremos cuánto dura, alcalde Canales. #Miraflores
surf_costa_verde | Campeonato de surf este domingo en Waikiki. Vengan 🤙 #Miraflores
expat_in_lima | [en] Final thought for the month: Miraflores is still lovely, but the security budget story around Carlos Canales is hard to defend. #Miraflores
"""
