"""Sample Reddit: the OAuth client-credentials token and subreddit search, paged with ``after``;
anonymous ``.json`` answers 403 as it does since mid-2026."""

from __future__ import annotations

import base64
import re
import secrets
from html import escape
from typing import Any
from urllib.parse import parse_qs

from samples.server import Request, Response, SampleServer
from samples.social import (
    CLOUDFLARE_403,
    Post,
    bearer,
    common_fault,
    corpus,
    corpus_rows,
    digest,
    fold,
    int_arg,
    json_answer,
    kept_by_crawler,
    left_in_window,
    matches_all,
    now_seconds,
    page_of,
    post_times,
    split_language,
    take_fault,
)

# Obviously fake: the sample API only checks that they are there.
SAMPLE_CREDENTIALS = {
    "REDDIT_CLIENT_ID": "sample-reddit-client-id",
    "REDDIT_CLIENT_SECRET": "sample-reddit-client-secret",
}
DEFAULT_FAULTS = {"reddit.search": ["rate_limit"]}


def posts() -> list[Post]:
    """The sample Reddit posts, oldest first (from ``POSTS`` below)."""
    rows = corpus_rows(POSTS)
    found = []
    for i, ((sub, author, raw_title, selftext), moment) in enumerate(
        zip(rows, post_times("reddit", len(rows)), strict=True)
    ):
        title, lang, _ = split_language(raw_title)
        native_id = base36(3_200_000_000 + i * 48_611 + (i * i) % 977)
        if i == 20:  # a submission whose author deleted their account and whose body was removed
            author, selftext = "[deleted]", "[removed]"
        text = selftext if selftext and selftext not in ("[removed]", "[deleted]") else title
        permalink = f"/r/{sub}/comments/{native_id}/{_slug(title)}/"
        found.append(Post(
            "reddit", native_id, text, author, moment,
            kept_by_crawler(f"{title}\n{text}", lang, None), lang, None,
            {"subreddit": sub, "title": title, "selftext": selftext, "permalink": permalink,
             "score": 3 + (i * 37) % 180, "num_comments": (i * 13) % 64,
             "link": None if selftext else f"https://i.redd.it/{digest('img', native_id, n=13)}.jpeg"},
        ))
    return found




def _slug(title: str) -> str:
    words = re.findall(r"[a-z0-9]+", fold(title))
    slug = ""
    for word in words:
        if len(slug) + len(word) + 1 > 50:
            break
        slug = f"{slug}_{word}" if slug else word
    return slug



def base36(number: int) -> str:
    """Reddit's ids: ``number`` in base 36, lower case."""
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while number:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
    return out or "0"



def _reddit_child(post: Post, raw_json: bool = True) -> dict[str, Any]:
    """A t3 Listing child; without ``raw_json=1`` Reddit escapes &, < and > in its texts."""
    extra = dict(post.extra)
    if not raw_json:
        extra.update(title=escape(extra["title"], quote=False),
                     selftext=escape(extra["selftext"], quote=False) if extra["selftext"] else extra["selftext"])
    url = extra["link"] or f"https://www.reddit.com{extra['permalink']}"
    return {"kind": "t3", "data": {
        "id": post.native_id,
        "name": f"t3_{post.native_id}",
        "subreddit": extra["subreddit"],
        "subreddit_name_prefixed": f"r/{extra['subreddit']}",
        "title": extra["title"],
        "selftext": extra["selftext"],
        "author": post.author,
        "created_utc": post.created_at.timestamp(),
        "score": extra["score"],
        "ups": extra["score"],
        "num_comments": extra["num_comments"],
        "permalink": extra["permalink"],
        "url": url,
        "is_self": not extra["link"],
        "over_18": False,
        "link_flair_text": None,
    }}


def _reddit_headers(server: SampleServer) -> dict[str, str]:
    used = len(server.requests_to("oauth.reddit.com"))
    window = 600 - int(now_seconds()) % 600   # Reddit counts in 10-minute windows
    return {
        "x-ratelimit-used": str(used),
        "x-ratelimit-remaining": f"{left_in_window(600, used)}.0",
        "x-ratelimit-reset": str(window),
    }


def register(server: SampleServer) -> None:
    """Add this platform's routes to ``server``."""
    @server.route(r"www\.reddit\.com", r"/api/v1/access_token")
    def access_token(request: Request) -> Response:
        scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
        try:
            client_id, _, secret = base64.b64decode(encoded).decode().partition(":")
        except ValueError:
            client_id = secret = ""
        form = parse_qs(request.body.decode("utf-8", "replace"))
        if request.method != "POST" or scheme.lower() != "basic" or not client_id.strip() or not secret.strip():
            return json_answer({"message": "Unauthorized", "error": 401}, 401)
        if form.get("grant_type") != ["client_credentials"]:
            return json_answer({"error": "unsupported_grant_type"}, 400)
        fault = take_fault(server, "reddit.token")
        if (answer := common_fault(fault)) is not None:
            return answer
        token = "sample-reddit-token-" + secrets.token_hex(12)
        tokens = server.state.setdefault("reddit_tokens", set())
        assert isinstance(tokens, set)
        tokens.add(token)
        return json_answer({"access_token": token, "token_type": "bearer", "expires_in": 86400, "scope": "*"})

    @server.route(r"www\.reddit\.com", r"/r/[^/]+/search(\.json)?")
    def anonymous_search(request: Request) -> Response:
        # Anonymous JSON has been refused since mid-2026: only the OAuth API answers.
        return Response(403, CLOUDFLARE_403.replace("Cloudflare", "Reddit"), "text/html; charset=UTF-8")

    @server.route(r"oauth\.reddit\.com", r"/r/[^/]+/search")
    def search(request: Request) -> Response:
        headers = _reddit_headers(server)
        if bearer(request) not in (server.state.get("reddit_tokens") or set()):  # type: ignore[operator]
            return json_answer({"message": "Unauthorized", "error": 401}, 401, headers)
        fault = take_fault(server, "reddit.search")
        if fault == "rate_limit":
            headers.update({"x-ratelimit-remaining": "0.0", "x-ratelimit-reset": "1"})
            return json_answer({"message": "Too Many Requests", "error": 429}, 429, headers)
        if (answer := common_fault(fault)) is not None:
            return answer
        subreddit = request.path.split("/")[2].lower()
        query = request.arg("q") or ""
        found = [
            p for p in reversed(corpus("reddit"))
            if (p.extra["subreddit"].lower() == subreddit or request.arg("restrict_sr") not in ("1", "true", "on"))
            and matches_all(query, f"{p.extra['title']} {p.extra['selftext']}")
        ]
        names = [f"t3_{p.native_id}" for p in found]
        after, before = request.arg("after"), request.arg("before")
        offset = names.index(after) + 1 if after in names else 0
        if before in names:
            found, offset = found[: names.index(before)], 0
        limit = int_arg(request.arg("limit"), 25, 1, 100)
        chunk, following = page_of(found, offset, limit)
        children = [_reddit_child(p, request.arg("raw_json") == "1") for p in chunk]
        next_after = f"t3_{chunk[-1].native_id}" if chunk and following is not None else None
        if fault == "empty_page":
            children, next_after = [], next_after or "t3_zzzzzzz"
        if fault == "null_fields":
            children = [
                {"kind": "t3", "data": {"id": None, "title": "sin id", "permalink": None}},
                {"kind": "t3", "data": {"id": "zz9zz9z", "name": "t3_zz9zz9z", "title": None, "selftext": None,
                                        "author": None, "created_utc": None, "permalink": None}},
                *children,
            ]
        listing = {"kind": "Listing", "data": {
            "after": next_after, "dist": len(children), "modhash": None, "geo_filter": "",
            "children": children, "before": None,
        }}
        return json_answer(listing, headers=headers)




# The posts this sample API serves, one per line (see samples.social.corpus_rows).
POSTS = r"""
# Reddit sample submissions, oldest first: `subreddit | author | title | selftext` (selftext may be
# empty: a link post). [en]/[pt] before the title marks the language. Invented authors only.
PERU | ceviche_de_conchas | Robos en Parque Kennedy: ¿alguien más? | Ayer a mi enamorada le arrancharon el celular en la esquina del Kennedy con Diagonal. El serenazgo llegó 25 minutos después. Carlos Canales dice que la seguridad mejoró, no sé en qué datos se basa.
lima | pisco_sour_enjoyer | [en] Is Miraflores still safe for expats? | I've lived near Larco for 4 years and this is the first time I feel nervous walking at night. Mayor Carlos Canales keeps saying crime is down. Is it just me?
PERU | inka_kola_light | Compraron el kit de revocatoria contra el alcalde de Miraflores | Según los promotores ya tienen el kit de la ONPE para la revocatoria en Miraflores contra Carlos Canales. A ver si llegan a las firmas.
lima | mototaxi_de_surco | Carlos Canales: "la revocatoria es una campaña de demolición" | Lo dijo en entrevista. Honestamente esperaba que hable de los robos y no de conspiraciones.
PERU | chifa_del_barrio | ¿Qué opinan de la revocatoria en Miraflores? | No vivo allá pero veo mucho ruido en redes. ¿Es seria o es pura política?
lima | el_tio_del_skate | Cámaras con IA en Miraflores: ¿funcionan o es marketing? | La muni de Carlos Canales anunció cámaras con inteligencia artificial. Alguien que sepa de esto: ¿sirven para algo sin personal que las monitoree?
PERU | tamal_verde | Defiendo al alcalde Canales, impopular opinion | Miraflores está más limpio y ordenado que hace 3 años. La revocatoria la empujan los que perdieron. Ya, bajen los downvotes.
lima | combi_asesina | Asaltaron a mi tía en Av. Larco | A plena luz del día, 4pm. Dos tipos en moto. Fuimos a la comisaría y nos dijeron que es "común". Carlos Canales, ¿común?
PERU | quinoa_power | 17.5 millones en seguridad y 0% ejecutado en Miraflores | Revisé la consulta amigable del MEF. El proyecto de seguridad ciudadana de la gestión de Carlos Canales tiene 0% de avance. Adjunto captura. No entiendo cómo pasa esto.
lima | anticucho_king | Re: 17.5 millones – la explicación de la muni | Un amigo que trabaja en la muni dice que es por trabas en la licitación. Igual, Carlos Canales debería explicarlo públicamente y no por WhatsApp.
PERU | papa_rellena_99 | Carlos Canales y el "27% menos robos" | ¿Alguien tiene la fuente de ese número? Porque las denuncias en la comisaría no dicen eso.
lima | huachafo_pero_feliz | [en] Phone snatched near Parque Kennedy, what do I do? | Tourist here. Police report done. Locals told me to complain to mayor Carlos Canales on Twitter, lol. Any practical advice for getting a copy of the report?
PERU | lomo_saltado_dev | Revocatoria Miraflores: cómo funciona el proceso | Resumen: se compra el kit en la ONPE, se juntan firmas del 25% de electores, se verifican, y el JNE convoca la consulta. Para Carlos Canales esto sería en la próxima fecha nacional.
lima | serenazgo_anonimo | Soy sereno en Miraflores, AMA | Sin nombres. Nos faltan unidades y turnos de noche. La gestión de Carlos Canales prefiere drones. Pregunten lo que quieran.
PERU | causa_limena | Firmas para la revocatoria en Miraflores: ¿dónde? | Quiero firmar. ¿Alguien sabe los puntos? Vi un módulo en Pardo pero ya no está.
lima | el_pata_de_barranco | Los drones del alcalde Canales | Hoy pasó un dron sobre el malecón. Lindo el video institucional. ¿Pero alguien ha visto una captura gracias a los drones? Carlos Canales, cuéntenos.
PERU | arroz_chaufa_lover | Población flotante de 500 mil: ¿excusa o dato? | Carlos Canales siempre dice que Miraflores tiene 500 mil personas de día y 100 mil residentes. Es cierto, pero eso no explica por qué no se ejecuta el presupuesto.
lima | picarones_y_miel | Me robaron la bici en el Parque Central | Estaba amarrada con candado. A nadie le importa. Ni a la comisaría ni al alcalde Canales.
PERU | chicha_morada_fan | [en] Expat perspective on the Carlos Canales recall | I moved to Miraflores from Toronto. Security got worse this year, the budget wasn't spent, and the response is calling critics "political". I'd sign if I could vote.
lima | juane_sabroso | Carlos Canales en RPP hoy | Dijo que la revocatoria es un intento de desestabilizar. No respondió sobre el 0% de ejecución. ¿Alguien lo vio completo?
PERU | seco_de_cabrito | ¿Quién financia la revocatoria contra Carlos Canales? | No digo que no haya razones, pero alguien está pagando los módulos y la publicidad. Transparencia para los dos lados.
lima | rocoto_relleno_aqp | Vecinos de Miraflores: ¿firmaron? | Encuesta informal. Yo firmé contra Carlos Canales por el tema del presupuesto de seguridad.
PERU | canchita_serrana | La revocatoria en Miraflores es un circo | Faltan dos años de gestión. Revocar cuesta plata y paraliza todo. Critiquen a Carlos Canales, pero voten en 2026.
lima | leche_de_tigre | Robo al paso en la cuadra 3 de Larco, video | Cámaras de la muni grabaron todo, según el serenazgo. Carlos Canales, ¿y las capturas?
PERU | tacu_tacu_99 | [pt] Turista brasileiro em Miraflores | Fui assaltado perto do Parque Kennedy. Li que o prefeito Carlos Canales diz que os roubos diminuíram. Não foi o que eu vi.
lima | mazamorra_morada | Entrevista: promotores de la revocatoria | Dicen tener 15 mil firmas contra Carlos Canales. La gestión dice que muchas son falsas. El JNE verá.
PERU | choclo_con_queso | Carlos Canales responde sobre las cámaras | Según el alcalde ya hay 200 cámaras nuevas. Pedí la lista por transparencia. Les cuento si responden.
lima | chilcano_de_los_viernes | Update: respondieron el pedido de transparencia | Me mandaron una lista de 80 cámaras, no 200. La gestión de Carlos Canales dice que el resto "está en proceso".
PERU | aji_de_gallina_pe | La revocatoria en Miraflores y los medios | Noto que algunos medios no tocan el tema y otros no hablan de otra cosa. ¿Alguien tiene un resumen neutral de qué pasó con Carlos Canales?
lima | huancaina_fan | Comisaría de Miraflores sin patrulleros | Fuimos a denunciar un robo y no había unidades. El alcalde Canales dice que el problema es de la PNP. La PNP dice que es de la muni. Y así.
PERU | pollito_a_la_brasa | Canales Anchorena, el apellido que se volvió meme | Por favor, sin insultos. Pero el tema de Carlos Canales y "Miraflores el distrito más seguro" ya es meme en todos lados.
lima | sanguche_de_chicharron | Marcha en el Parque Central | Unas 200 personas, pacífica, pidiendo la revocatoria de Carlos Canales. Había más periodistas que serenos.
PERU | tequeños_al_paso | Revocatoria Miraflores: fechas y plazos del JNE | Sin opinión: cronograma oficial, verificación de firmas de tres semanas. Si pasa, consulta con la siguiente elección.
lima | cafe_pasado_de_larco | El alcalde Canales visitó la comisaría | Foto, anuncio de coordinación, y se fue. Mañana vemos si cambia algo.
PERU | humita_dulce | Carlos Canales tiene razón en algo | Los números por residente sí están inflados por la población flotante. Pero eso no justifica el 0% de ejecución. Las dos cosas son ciertas.
lima | turrón_de_doña_pepa | Navidad en Miraflores con 0% de seguridad | Pusieron las luces antes que los patrulleros. Muy Carlos Canales todo.
PERU | causa_rellena | [en] What's with the Miraflores recall? | Visiting family in Lima and everyone talks about a recall against the mayor Carlos Canales. Can someone ELI5?
lima | cebiche_mixto | Firmas entregadas: revocatoria Miraflores | Los promotores entregaron las firmas a la ONPE hoy. Ahora toca verificación.
PERU | alfajor_de_maicena | Los que defienden a Carlos Canales | ¿Cuáles son sus argumentos? Pregunta genuina, quiero entender el otro lado.
lima | tamal_verde | Respuesta: por qué defiendo a Carlos Canales | Recuperó parques, ordenó el comercio ambulatorio, y la revocatoria la promueven políticos que no ganaron. La seguridad es un problema de toda Lima, no solo de Miraflores.
PERU | rachi_a_la_parrilla | Sereno herido en Miraflores | Un sereno fue atacado anoche cerca de Angamos. Fuerza al compañero. Carlos Canales debería darles equipo.
lima | arroz_con_pato | ¿Revocatoria en Miraflores o en Surco? | Me confundí, pensé que era en Surco. ¿Alguien me aclara? Vi el anuncio de firmas en el bus.
PERU | carapulcra_power | Cierre de año para Carlos Canales | Presupuesto de seguridad casi sin ejecutar, revocatoria en marcha, y una ciudad que se siente menos segura. Difícil fin de año para la gestión.
lima | mate_de_coca | Miraflores: revocatoria y el teniente alcalde | Si revocan a Carlos Canales, asume el teniente alcalde hasta nueva elección. Ojo con eso.
"""
