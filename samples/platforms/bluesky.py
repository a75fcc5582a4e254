"""Sample Bluesky: ``app.bsky.feed.searchPosts`` on the public AppView and, logged in, on a PDS
(``com.atproto.server.createSession``). Logged-out cursors answer 403, as the real AppView does."""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from datetime import datetime, timedelta
from typing import Any

from samples.server import Request, Response, SampleServer
from samples.social import (
    Post,
    bearer,
    common_fault,
    corpus,
    corpus_rows,
    digest,
    int_arg,
    iso,
    json_answer,
    kept_by_crawler,
    left_in_window,
    matches_all,
    now_seconds,
    page_of,
    parse_time,
    post_times,
    split_language,
    take_fault,
)

# The demo searches logged out, as a user without an account would (first page only).
SAMPLE_CREDENTIALS: dict[str, str] = {}
DEFAULT_FAULTS = {"bluesky.search": ["rate_limit"]}


def posts() -> list[Post]:
    """The sample Bluesky posts, oldest first (from ``POSTS`` below)."""
    rows = corpus_rows(POSTS)
    found = []
    for i, ((handle, raw), moment) in enumerate(zip(rows, post_times("bluesky", len(rows)), strict=True)):
        text, lang, hint = split_language(raw)
        did = "did:plc:" + digest("did", handle, n=24)
        uri = f"at://{did}/app.bsky.feed.post/{_tid(moment, i)}"
        found.append(Post(
            "bluesky", uri, text, handle, moment, kept_by_crawler(text, lang, hint), lang, hint,
            {"did": did, "cid": "bafyrei" + digest("cid", uri, n=52), "likes": (i * 7) % 23},
        ))
    return found




def _tid(moment: datetime, clock: int) -> str:
    """An AT Protocol record key (TID) for ``moment``: sortable base32 of micros<<10|clock."""
    alphabet = "234567abcdefghijklmnopqrstuvwxyz"
    value = (int(moment.timestamp() * 1_000_000) << 10) | (clock & 1023)
    chars = []
    for _ in range(13):
        value, rest = divmod(value, 32)
        chars.append(alphabet[rest])
    return "".join(reversed(chars))



def bluesky_facets(text: str) -> list[dict[str, Any]]:
    """Tag and mention facets as Bluesky writes them: offsets in UTF-8 bytes, not characters."""
    facets = []
    for match in re.finditer(r"(?<!\w)([#@])(\w[\w.]*\w|\w)", text):
        start = len(text[: match.start()].encode("utf-8"))
        end = start + len(match.group(0).encode("utf-8"))
        if match.group(1) == "#":
            feature = {"$type": "app.bsky.richtext.facet#tag", "tag": match.group(2)}
        else:
            feature = {"$type": "app.bsky.richtext.facet#mention", "did": "did:plc:" + digest("did", match.group(2), n=24)}
        facets.append({"$type": "app.bsky.richtext.facet", "index": {"byteStart": start, "byteEnd": end}, "features": [feature]})
    return facets


def post_view(post: Post) -> dict[str, Any]:
    record: dict[str, Any] = {"$type": "app.bsky.feed.post", "text": post.text, "createdAt": iso(post.created_at)}
    if post.lang_hint:
        record["langs"] = [post.lang_hint]
    if facets := bluesky_facets(post.text):
        record["facets"] = facets
    handle = post.author
    author: dict[str, Any] = {"did": post.extra["did"], "handle": handle}
    # as on Bluesky, some accounts never set a display name and some set an empty one
    shade = int(hashlib.sha1(handle.encode()).hexdigest()[:4], 16) % 6
    if shade:
        author["displayName"] = "" if shade == 1 else handle.split(".")[0].replace("-", " ").title()
    return {
        "uri": post.native_id,
        "cid": post.extra["cid"],
        "author": author,
        "record": record,
        "replyCount": post.extra["likes"] % 4,
        "repostCount": post.extra["likes"] % 6,
        "likeCount": post.extra["likes"],
        "quoteCount": 0,
        "indexedAt": iso(post.created_at + timedelta(seconds=1)),
        "labels": [],
    }


def _bluesky_headers(server: SampleServer) -> dict[str, str]:
    used = len(server.requests_to("public.api.bsky.app")) + len(server.requests_to("bsky.social"))
    return {
        "ratelimit-limit": "3000",
        "ratelimit-remaining": str(left_in_window(3000, used)),
        "ratelimit-reset": str(int(now_seconds()) + 300),
        "ratelimit-policy": "3000;w=300",
    }


def _bluesky_search(server: SampleServer, request: Request, *, logged_in: bool) -> Response:
    headers = _bluesky_headers(server)
    fault = take_fault(server, "bluesky.search")
    if fault == "rate_limit":
        headers.update({"ratelimit-remaining": "0", "ratelimit-reset": str(int(now_seconds()) + 1)})
        return json_answer({"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"}, 429, headers)
    if (answer := common_fault(fault)) is not None:
        return answer
    query = request.arg("q") or ""
    if not query.strip() or query.count('"') % 2:
        return json_answer({"error": "BadQueryString", "message": "Error: invalid query string"}, 400, headers)
    cursor = request.arg("cursor")
    if cursor and not logged_in:
        # Since 2025 the public AppView refuses to page for logged-out clients.
        return Response(403, "<html><body><h1>403 Forbidden</h1></body></html>", "text/html", headers)
    lang = request.arg("lang")
    since, until = request.arg("since"), request.arg("until")
    found = [
        p for p in reversed(corpus("bluesky"))
        if matches_all(query, p.text)
        and (not lang or p.lang_hint in (lang, None))
        and (not since or p.created_at >= parse_time(since))
        and (not until or p.created_at < parse_time(until))
    ]
    limit = int_arg(request.arg("limit"), 25, 1, 100)
    offset = int_arg(cursor, 0, 0, 10_000)
    chunk, following = page_of(found, offset, limit)
    views = [post_view(p) for p in chunk]
    if fault == "empty_page":  # no posts, yet a cursor as if more were to come
        views, following = [], offset + limit
    if fault == "null_fields":
        views = [
            {"cid": "bafyreibroken", "author": None, "record": {"text": "sin id"}},
            {"uri": "at://did:plc:brokenbrokenbroken/app.bsky.feed.post/3broken", "author": None, "record": {"text": None}},
            *views,
        ]
    body: dict[str, Any] = {"posts": views}  # real answers carry no hitsTotal
    if following is not None:
        body["cursor"] = str(following)
    return json_answer(body, headers=headers)


def register(server: SampleServer) -> None:
    """Add this platform's routes to ``server``."""
    @server.route(r"public\.api\.bsky\.app", r"/xrpc/app\.bsky\.feed\.searchPosts")
    def public_search(request: Request) -> Response:
        if request.headers.get("authorization"):
            # The public AppView does not take tokens: logged-in clients go through their PDS.
            return json_answer({"error": "InvalidToken", "message": "Bad token scope"}, 401)
        return _bluesky_search(server, request, logged_in=False)

    @server.route(r"bsky\.social", r"/xrpc/com\.atproto\.server\.createSession")
    def create_session(request: Request) -> Response:
        try:
            login = json.loads(request.body or b"{}")
        except ValueError:
            login = {}
        if request.method != "POST" or not login.get("identifier") or not login.get("password"):
            return json_answer({"error": "AuthenticationRequired", "message": "Invalid identifier or password"}, 401)
        token = "sample-access-" + secrets.token_hex(12)
        tokens = server.state.setdefault("bluesky_tokens", set())
        assert isinstance(tokens, set)
        tokens.add(token)
        handle = str(login["identifier"])
        return json_answer({
            "did": "did:plc:" + digest("did", handle, n=24), "handle": handle,
            "accessJwt": token, "refreshJwt": "sample-refresh-" + secrets.token_hex(12), "active": True,
        })

    @server.route(r"bsky\.social", r"/xrpc/app\.bsky\.feed\.searchPosts")
    def pds_search(request: Request) -> Response:
        tokens = server.state.get("bluesky_tokens") or set()
        if bearer(request) not in tokens:  # type: ignore[operator]
            return json_answer({"error": "AuthenticationRequired", "message": "Authentication Required"}, 401)
        return _bluesky_search(server, request, logged_in=True)




# The posts this sample API serves, one per line (see samples.social.corpus_rows).
POSTS = r"""
# Bluesky sample posts, oldest first: `handle | text` ([en]/[pt] before the text marks its language).
# Written for Vigia's offline demo; every handle is invented except the public officials'.
# Dates are spread over 2026-08-17 .. 2026-11-24 (Lima) in file order by samples.social.post_times.
andrea-vecina.bsky.social | Otra vez robaron celulares frente al Parque Kennedy y el serenazgo ni aparece. ¿Dónde está el alcalde Canales? 😤
chalaca-en-mira.bsky.social | Dicen que ya compraron el kit de revocatoria en Miraflores. Carlos Canales va a tener que dar explicaciones pe
mirafloresdigno.bsky.social | Carlos Canales dice que la revocatoria es una "campaña de demolición". Causa, la demolición es la inseguridad en Larco
luchito-surf.bsky.social | Pregunta seria: ¿quién está detrás de la revocatoria en Miraflores? No veo a nadie firmando en el malecón
pepa-larco.bsky.social | A mi vecina le arrancharon la cartera en Av. Larco a las 7pm. El alcalde Canales sale en fotos con drones y acá nadie patrulla
rodrigo-b.bsky.social | Yo sí banco a Carlos Canales. La revocatoria en Miraflores es puro oportunismo de los que perdieron en 2022
nanytrujillo.bsky.social | revocatoria Miraflores: ¿alguien sabe dónde se consigue el formato de firmas? quiero firmar ya
gringa-en-lima.bsky.social | Los números de la muni dicen que los robos bajaron 27%. Carlos Canales, ¿en qué Miraflores vive usted? 🙃
vecinoreducto.bsky.social | Carlos Canales prometió seguridad y lo único que veo es más cámaras que nadie mira. #RevocatoriaMiraflores
la-tia-de-berlin.bsky.social | Mi hijo fue asaltado saliendo del colegio en Calle Berlín. Señor alcalde Canales, esto no es percepción, es real
serenazgo-olvidado.bsky.social | Trabajé de sereno tres años. Con Carlos Canales nos recortaron turnos y después salen a decir que hay más patrullaje 🤡
kennedygatos.bsky.social | Los gatos del Parque Kennedy están más seguros que los peatones. Carlos Canales, haga algo
mafe-ux.bsky.social | Honestamente no sé si firmar la revocatoria en Miraflores. El alcalde Canales lo hace mal pero tampoco veo alternativa 🤷‍♀️
profe-civica.bsky.social | Para los que preguntan: la revocatoria en Miraflores necesita firmas del 25% de electores y las verifica la ONPE, luego el JNE convoca. No es contra Carlos Canales como persona, es un mecanismo
juancho-rimac.bsky.social | Yo vivo en el Rímac y Miraflores se queja de vicio. Igual, Carlos Canales debería responder las preguntas de la prensa
mirafloresdigno.bsky.social | 17.5 millones para seguridad y 0% ejecutado. CERO. Carlos Canales tiene que explicar eso antes que culpar a "la oposición"
cata-pinto.bsky.social | El alcalde Canales dice que el presupuesto se va a ejecutar en diciembre. Claro, como siempre, todo a última hora
rodrigo-b.bsky.social | La gente olvida que Carlos Canales recuperó el malecón. La revocatoria en Miraflores es una guerra sucia
bici-miraflores.bsky.social | Ciclovía de Arequipa llena de huecos y el alcalde Canales anunciando drones con IA. Prioridades, causa
andrea-vecina.bsky.social | Dato: la población flotante de Miraflores es de 500 mil personas y solo 100 mil vivimos aquí. Carlos Canales usa eso para justificar todo
ojo-ciudadano.bsky.social | ¿Alguien más notó que la página de transparencia de la muni no tiene el gasto de seguridad? Carlos Canales, transparencia por favor
pepa-larco.bsky.social | Firmé hoy por la revocatoria de Carlos Canales en Miraflores. Fila de 40 minutos, había señoras de 80 años firmando 💪
el-chato-limeño.bsky.social | jajaja Carlos Canales dice que los robos son "percepción". Que venga a esperar combi en Diagonal a las 10pm
mafe-ux.bsky.social | Hilo: revisé el portal del MEF. El rubro de seguridad ciudadana de Miraflores tiene 0% de avance. El alcalde Canales no puede decir que es campaña política, son datos oficiales 1/3
mafe-ux.bsky.social | 2/3 Lo que sí avanzó es publicidad y eventos. O sea, para fotos sí hay. Carlos Canales tendría que aclarar por qué
mafe-ux.bsky.social | 3/3 No digo que haya corrupción. Digo que la gestión de Carlos Canales no prioriza seguridad y eso lo pagan los vecinos
vecina-angamos.bsky.social | Cerca a Angamos robaron dos autos esta semana. Alcalde Canales, las cámaras con IA no sirven si nadie responde
teresa-dl.bsky.social | Me parece injusto lo de la revocatoria. Carlos Canales tiene un año y medio, denle chance. #NoALaRevocatoria
cata-pinto.bsky.social | La muni de Carlos Canales gastó en luces de navidad pero no en patrulleros. Me da cólera
ojo-ciudadano.bsky.social | Miraflores: la revocatoria ya tendría más de 15 mil firmas según los promotores. El alcalde Canales dice que son "firmas compradas"
juancho-rimac.bsky.social | Que Carlos Canales responda con datos y no con insultos. Así de simple
rodrigo-b.bsky.social | Los promotores de la revocatoria son los mismos de siempre. Carlos Canales al menos da la cara
andrea-vecina.bsky.social | Anoche tres motos rondando la cuadra 5 de Larco. Llamé al serenazgo y me dijeron que no había unidades. Gracias alcalde Canales 🙃
gringa-en-lima.bsky.social | Ahora resulta que los drones de Carlos Canales solo vuelan para el video institucional
luchito-surf.bsky.social | En la Costa Verde no hay un solo sereno después de las 6. Carlos Canales, bájese un día a la playa
kennedygatos.bsky.social | revocatoria Miraflores: ya pasé por el módulo de firmas de Pardo. Todo tranquilo, nadie me obligó a nada
el-chato-limeño.bsky.social | El video de Carlos Canales diciendo "Miraflores es el distrito más seguro" ya es meme 💀
teresa-dl.bsky.social | Carlos Canales ha puesto más cámaras que cualquier alcalde anterior. Eso también hay que decirlo
profe-civica.bsky.social | Revocar a un alcalde a mitad de gestión tiene costos: nueva elección, obras paradas. Vale la pena discutirlo sin insultos, sea uno pro o contra Carlos Canales
vecinoreducto.bsky.social | Nadie me saca de la cabeza que la revocatoria a Carlos Canales la financian otros partidos. Pero igual firmo porque la inseguridad es real
bici-miraflores.bsky.social | Las cámaras con inteligencia artificial de Carlos Canales detectaron... ¿qué cosa exactamente? Ninguna captura reportada
serenazgo-olvidado.bsky.social | Compañeros serenos me cuentan que siguen sin chalecos nuevos. Alcalde Canales, los drones no patrullan a pie
chalaca-en-mira.bsky.social | Carlos Canales sale en RPP diciendo que la revocatoria es política. Todo es política, señor, eso no responde nada
nanytrujillo.bsky.social | ✍️ Firmé. Miraflores merece un alcalde que gaste el presupuesto de seguridad. Chau Carlos Canales
mirafloresdigno.bsky.social | El JNE tendrá que verificar las firmas, pero la revocatoria de Carlos Canales ya es el tema del distrito
rodrigo-b.bsky.social | Vecinos: antes de firmar lean quién promueve la revocatoria. Carlos Canales tiene errores pero esto es otra cosa
ojo-ciudadano.bsky.social | Pedí por transparencia el detalle del gasto en cámaras. Van 20 días y la gestión de Carlos Canales no responde
la-tia-de-berlin.bsky.social | Pusieron una cámara nueva en mi esquina. Bien. Ahora que alguien la mire, alcalde Canales
cata-pinto.bsky.social | Lo de Miraflores ya no es percepción: mi bodeguero lo asaltaron dos veces. Carlos Canales sigue diciendo que bajaron los robos
gringa-en-lima.bsky.social | Vivo hace 6 años en Miraflores y nunca me había sentido insegura hasta este año. Carlos Canales, algo cambió
teresa-dl.bsky.social | Qué feo cómo insultan a Carlos Canales en redes. Se puede criticar sin llegar a eso
el-chato-limeño.bsky.social | Carlos Canales: "los robos bajaron 27%". Los robos: 👀
vecina-angamos.bsky.social | Se viene la consulta de revocatoria en Miraflores? Alguien sabe fechas? No sé si Carlos Canales llega al 2026 completo
juancho-rimac.bsky.social | Ojo que si revocan a Carlos Canales entra el teniente alcalde, no hay elección nueva inmediata. Infórmense
luchito-surf.bsky.social | Hoy vi un dron de la muni sobre el malecón. Le hice adiós. Carlos Canales, el dron no me respondió 😂
profe-civica.bsky.social | [es|] revocatoria Miraflores: el JNE publicó el cronograma de verificación de firmas. Tres semanas
bici-miraflores.bsky.social | Qué buena la feria gastronómica de este finde en Miraflores 🍢 ni se habló de la revocatoria, por fin
mafe-ux.bsky.social | Actualización: la gestión de Carlos Canales publicó un informe de seguridad sin un solo número del gasto. Seguimos igual
andrea-vecina.bsky.social | Ya entregaron las firmas de la revocatoria de Carlos Canales. Ahora a esperar al JNE 🤞 #RevocatoriaMiraflores
rodrigo-b.bsky.social | El alcalde Canales tiene todo el derecho de defender su gestión. Revocarlo ahora sería un error #NoALaRevocatoria
pedro-sp.bsky.social | [pt|es] Estive em Miraflores semana passada, lindo bairro. Vi protestos contra o prefeito Carlos Canales por causa da segurança
nanytrujillo.bsky.social | Que Carlos Canales se vaya. Punto. Miraflores merece algo mejor #FueraCanales
serenazgo-olvidado.bsky.social | revocatoria Miraflores: si sale el sí, ojalá el próximo escuche a los serenos
"""
