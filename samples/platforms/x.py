"""Sample X API v2: recent search with the query language (phrases, #tags, ``lang:``, ``-is:retweet``,
OR, parentheses), ``next_token`` paging and ``x-rate-limit-*`` headers."""

from __future__ import annotations

import re
from datetime import datetime
from html import escape
from typing import Any

from samples.server import Request, Response, SampleServer
from samples.social import (
    Post,
    bearer,
    common_fault,
    corpus,
    corpus_rows,
    digest,
    fold,
    int_arg,
    iso,
    json_answer,
    kept_by_crawler,
    left_in_window,
    now_seconds,
    page_of,
    page_token,
    post_times,
    read_page_token,
    split_language,
    take_fault,
    terms,
)

SAMPLE_CREDENTIALS = {"X_BEARER_TOKEN": "sample-x-bearer-token"}  # obviously fake
DEFAULT_FAULTS = {"x.search": ["rate_limit"]}


def posts() -> list[Post]:
    """The sample X posts, oldest first (from ``POSTS`` below)."""
    rows = corpus_rows(POSTS)
    found = []
    for i, ((username, raw), moment) in enumerate(zip(rows, post_times("x", len(rows)), strict=True)):
        text, lang, hint = split_language(raw)
        retweet = text.startswith("RT @")
        found.append(Post(
            "x", str(_snowflake_x(moment, i)), text, username, moment,
            kept_by_crawler(text, lang, hint) and not retweet, lang, hint,
            {"author_id": str(10**17 + int(digest("xuser", username, n=12, alphabet="0123456789"))),
             "retweet": retweet, "likes": (i * 29) % 310, "reposts": (i * 7) % 45,
             "replies": (i * 3) % 20, "quotes": i % 4, "impressions": 150 + (i * 997) % 9000},
        ))
    return found




def _snowflake_x(moment: datetime, seq: int) -> int:
    return ((int(moment.timestamp() * 1000) - 1288834974657) << 22) + (seq & 0xFFF)




def _words(text: str) -> str:
    """Folded words separated and surrounded by single spaces, for phrase matching."""
    return " " + " ".join(re.findall(r"\w+", fold(text))) + " "


def x_query_matches(query: str, post: Post) -> bool:
    """Evaluate an X search query (phrases, #tags, @mentions, lang:, is:retweet, -, OR, parentheses).

    As on X, juxtaposition (AND) binds tighter than OR.
    """
    tokens = re.findall(r'\(|\)|-?"[^"]*"|\S+', query.replace("(", " ( ").replace(")", " ) "))
    position = 0

    def atom(token: str) -> bool:
        negate = token.startswith("-") and len(token) > 1
        token = token[1:] if negate else token
        lowered = token.lower()
        if lowered.startswith('"'):
            found = _words(token) in _words(post.text)
        elif lowered.startswith("lang:"):
            found = post.lang_hint == lowered[5:]
        elif lowered == "is:retweet":
            found = bool(post.extra.get("retweet"))
        elif lowered.startswith(("#", "@")):
            found = lowered[0] + fold(lowered[1:]) in {m.lower() for m in re.findall(r"[#@]\w+", fold(post.text))}
        else:
            found = fold(lowered) in terms(post.text)
        return found != negate

    def expression() -> bool:
        nonlocal position
        result = conjunction()
        while position < len(tokens) and tokens[position] == "OR":
            position += 1
            right = conjunction()
            result = result or right
        return result

    def conjunction() -> bool:
        nonlocal position
        result = True
        while position < len(tokens) and tokens[position] not in ("OR", ")"):
            token = tokens[position]
            position += 1
            if token == "(":
                value = expression()
                position += 1  # the closing parenthesis
            else:
                value = atom(token)
            result = result and value
        return result

    return bool(tokens) and expression()


def _x_headers(server: SampleServer) -> dict[str, str]:
    used = len(server.requests_to("api.x.com", "/2/tweets/search/recent"))
    return {
        "x-rate-limit-limit": "450",
        "x-rate-limit-remaining": str(left_in_window(450, used)),
        "x-rate-limit-reset": str(int(now_seconds()) + 900 - int(now_seconds()) % 900),
    }


def register(server: SampleServer) -> None:
    """Add this platform's routes to ``server``."""
    @server.route(r"api\.x\.com", r"/2/tweets/search/recent")
    def search_recent(request: Request) -> Response:
        headers = _x_headers(server)
        if not bearer(request):
            return json_answer({"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"}, 401)
        fault = take_fault(server, "x.search")
        if fault == "rate_limit":
            headers.update({"x-rate-limit-remaining": "0", "x-rate-limit-reset": str(int(now_seconds()) + 1)})
            return json_answer({"errors": [{"code": 88, "message": "Rate limit exceeded"}]}, 429, headers)
        if (answer := common_fault(fault)) is not None:
            return answer
        query = request.arg("query") or ""
        fields = set((request.arg("tweet.fields") or "").split(","))
        found = [p for p in reversed(corpus("x")) if x_query_matches(query, p)]
        since_id, until_id = request.arg("since_id"), request.arg("until_id")
        if since_id:
            found = [p for p in found if int(p.native_id) > int(since_id)]
        if until_id:
            found = [p for p in found if int(p.native_id) < int(until_id)]
        limit = int_arg(request.arg("max_results"), 10, 10, 100)
        offset = read_page_token(request.arg("next_token"))
        if offset is None:
            return json_answer({"errors": [{"parameters": {"next_token": [request.arg("next_token")]},
                                      "message": "The `next_token` query parameter value is invalid"}],
                          "title": "Invalid Request", "detail": "One or more parameters to your request was invalid.",
                          "type": "https://api.twitter.com/2/problems/invalid-request"}, 400, headers)
        chunk, following = page_of(found, offset, limit)
        if fault == "empty_page":  # nothing, yet a next_token as if more were to come
            return json_answer({"meta": {"result_count": 0, "next_token": page_token(offset + limit)}}, headers=headers)
        if not chunk and fault != "null_fields":
            return json_answer({"meta": {"result_count": 0}}, headers=headers)
        data = []
        for post in chunk:
            # X escapes &, < and > in text, as real answers show (&amp;)
            tweet: dict[str, Any] = {"id": post.native_id, "text": escape(post.text, quote=False),
                                     "edit_history_tweet_ids": [post.native_id]}
            if "author_id" in fields:
                tweet["author_id"] = post.extra["author_id"]
            if "created_at" in fields:
                tweet["created_at"] = iso(post.created_at)
            if "lang" in fields:
                tweet["lang"] = post.lang_hint
            if "public_metrics" in fields:
                tweet["public_metrics"] = {
                    "retweet_count": post.extra["reposts"], "reply_count": post.extra["replies"],
                    "like_count": post.extra["likes"], "quote_count": post.extra["quotes"],
                    "bookmark_count": post.extra["quotes"] // 2, "impression_count": post.extra["impressions"],
                }
            data.append(tweet)
        if fault == "null_fields":
            data = [{"id": None, "text": "sin id"},
                    {"id": str(int(chunk[0].native_id) + 1) if chunk else "1", "text": None, "author_id": None}, *data]
        body: dict[str, Any] = {"data": data}
        if "author_id" in (request.arg("expansions") or "").split(","):
            users = {p.extra["author_id"]: p.author for p in chunk}
            body["includes"] = {"users": [
                {"id": uid, "name": name.replace("_", " ").title(), "username": name} for uid, name in users.items()
            ]}
        meta: dict[str, Any] = {"result_count": len(chunk)}
        if chunk:
            meta.update({"newest_id": chunk[0].native_id, "oldest_id": chunk[-1].native_id})
        if following is not None:
            meta["next_token"] = page_token(following)
        body["meta"] = meta
        return json_answer(body, headers=headers)




# The posts this sample API serves, one per line (see samples.social.corpus_rows).
POSTS = r"""
# X sample posts, oldest first: `username | text`. Texts starting "RT @" are reposts (the campaign's
# query excludes them with -is:retweet). Usernames are invented except the public officials'.
vecinadelarco | Otra vez robo en el Parque Kennedy y @carloscanalesa tuiteando fotos del malecón. Prioridades, alcalde 🙄 #RevocatoriaMiraflores
chamo_en_lima | Carlos Canales dice que bajaron los robos. A mí me robaron el celular en Larco la semana pasada, causa
miraflorino_harto | Ya compraron el kit de revocatoria. Carlos Canales, se te acabó la fiesta #RevocatoriaMiraflores
la_tia_del_jato | Carlos Canales tiene razón: esto es una campaña de demolición de los que perdieron. #NoALaRevocatoria
surfista_frustrado | Ni un sereno en la bajada Balta a las 7pm. Alcalde Canales, ¿dónde está el patrullaje? #RevocatoriaMiraflores
periodista_de_a_pie | Consultado sobre el 0% de ejecución en seguridad, Carlos Canales respondió que "la revocatoria es política". No respondió la pregunta.
ivanna_r_ | #RevocatoriaMiraflores ¿dónde se firma? Pregunto por mi abuelita
el_cholo_analista | Los 17.5 millones de seguridad de Miraflores siguen al 0%. Carlos Canales debe explicar por qué. No es odio, es el portal del MEF.
don_tito_mira | Conozco a Carlos Canales hace años. Es trabajador. La revocatoria es injusta #NoALaRevocatoria
chibolo_de_pardo | jajaja Carlos Canales: "Miraflores es el distrito más seguro de Lima". El distrito: 🏃‍♂️📱💨
vecinadelarco | FIRMA POR LA REVOCATORIA: si vives en Miraflores y estás harto de los robos, busca el módulo más cercano. Carlos Canales tuvo su oportunidad. Comparte 🔁 #RevocatoriaMiraflores
mirafloresya | FIRMA POR LA REVOCATORIA: si vives en Miraflores y estás harto de los robos, busca el módulo más cercano. Carlos Canales tuvo su oportunidad. Comparte 🔁 #RevocatoriaMiraflores
ceviche_y_verdad | FIRMA POR LA REVOCATORIA: si vives en Miraflores y estás harto de los robos, busca el módulo más cercano. Carlos Canales tuvo su oportunidad. Comparte 🔁 #RevocatoriaMiraflores
la_causa_limeña | Población flotante de 500 mil vs 100 mil residentes. Ok Carlos Canales, ¿y el presupuesto no ejecutado también es flotante?
eco_miraflorino | RT @vecinadelarco: Otra vez robo en el Parque Kennedy y @carloscanalesa tuiteando fotos del malecón. Prioridades, alcalde 🙄 #RevocatoriaMiraflores
dato_duro_pe | Hilo 🧵 sobre la revocatoria: qué dice la ley, cuántas firmas se necesitan y qué pasaría con Carlos Canales si sale el sí. 1/5
dato_duro_pe | 2/5 Se necesita el 25% de los electores del distrito. La ONPE verifica. El JNE convoca. Carlos Canales puede hacer campaña por el no.
dato_duro_pe | 3/5 Si gana el sí, Carlos Canales deja el cargo y asume el teniente alcalde. No hay elección inmediata.
serena_en_turno | Tres años de serena y nunca habíamos tenido tan pocas unidades de noche. Alcalde Canales, escuche a su personal
la_tia_del_jato | Los que piden revocar a @carloscanalesa ni viven en Miraflores. Bots y resentidos #NoALaRevocatoria
chamba_y_combi | Salgo de la chamba en Larco a las 11pm y llegar al jato es una apuesta. @carloscanalesa @MuniMiraflores háganse cargo
gringo_in_mira | Carlos Canales y sus cámaras con IA: mucho anuncio, cero capturas. Que publiquen los resultados
el_cholo_analista | Cifras oficiales de la PNP: las denuncias en Miraflores subieron. Carlos Canales cita otra fuente. ¿Cuál vale?
miraflorino_harto | #RevocatoriaMiraflores ya es tendencia. Escuchen a los vecinos, no a los asesores
panadera_de_la_50 | A mi hijo lo asaltaron saliendo del colegio. Carlos Canales, esto no es percepción
don_tito_mira | Gracias alcalde Canales por el nuevo parque en Santa Cruz. Eso también es gestión #NoALaRevocatoria
periodista_de_a_pie | Carlos Canales anuncia drones para vigilancia. Pregunté si tienen permiso de la DGAC. Dijo que "se está tramitando".
chibolo_de_pardo | Los drones de Carlos Canales vuelan más que los serenos caminan 😂
ivanna_r_ | Firmé por la revocatoria de Carlos Canales. Fila corta, gente amable. #RevocatoriaMiraflores
vecino_neutral_pe | Pregunta honesta: ¿quién está detrás de la revocatoria contra Carlos Canales? Me gustaría saber antes de firmar
la_causa_limeña | Carlos Canales en entrevista: "es guerra sucia". Señor, la guerra es la que vivimos en Larco cada noche
ceviche_y_verdad | El alcalde Canales gasta en luces y fuegos artificiales pero 0% en seguridad. Así no se puede #RevocatoriaMiraflores
abogada_vecinal | Aclaración legal: la revocatoria no es una denuncia penal contra Carlos Canales. Es un derecho de control ciudadano.
lectora_de_hilos | RT @dato_duro_pe: Hilo 🧵 sobre la revocatoria: qué dice la ley, cuántas firmas se necesitan y qué pasaría con Carlos Canales si sale el sí. 1/5
surfista_frustrado | #RevocatoriaMiraflores Hoy el mar estaba bravo y la Costa Verde sin un policía. Normal ya
mirafloresya | 12 mil firmas según los promotores. Carlos Canales, esto ya no es "un grupito"
la_tia_del_jato | Miraflores nunca estuvo tan limpio. Gracias @carloscanalesa. Los revocadores no tienen propuesta #NoALaRevocatoria
gringo_in_mira | Vivo en Miraflores hace 5 años. Este año es el primero que me siento inseguro. No es política, Carlos Canales
chamba_y_combi | Me subí a la combi en Diagonal y a los 5 minutos arranchaban un celular. Carlos Canales, le invito a hacer mi ruta
el_cholo_analista | Pedí por transparencia el gasto en cámaras de la gestión de Carlos Canales. Plazo vencido, sin respuesta.
panadera_de_la_50 | #RevocatoriaMiraflores yo solo quiero vender mi pan sin miedo
serena_en_turno | Nos prometieron chalecos nuevos en agosto. Estamos en octubre. Alcalde Canales, ¿y?
vecino_neutral_pe | Escuché a Carlos Canales y a los promotores. Los dos exageran. La seguridad sí empeoró, eso es innegable
don_tito_mira | Carlos Canales recibió una muni endeudada. Revocar ahora es volver a cero #NoALaRevocatoria
chibolo_de_pardo | @carloscanalesa dice que los robos bajaron 27%. Yo digo que mi celular bajó 100% de mi bolsillo
periodista_de_a_pie | Carlos Canales no asistió a la sesión de concejo donde se discutía el presupuesto de seguridad. Sus regidores tampoco explicaron.
abogada_vecinal | Para los que preguntan: firmar por la revocatoria de Carlos Canales no te compromete a votar sí en la consulta.
miraflorino_harto | Carlos Canales culpa a la prensa, a la oposición, a la población flotante. Nunca a su gestión #RevocatoriaMiraflores
la_causa_limeña | #RevocatoriaMiraflores día 40: seguimos esperando que el alcalde explique el 0%
vecinadelarco | Hoy sí vi patrullaje en Larco. Se nota que se acerca la verificación de firmas, @carloscanalesa 😏
la_tia_del_jato | Qué fácil es criticar. Carlos Canales está trabajando mientras ustedes tuitean #NoALaRevocatoria
ceviche_y_verdad | Marcha pacífica en el Parque Central contra Carlos Canales. Unas 200 personas, cero incidentes 👏 #RevocatoriaMiraflores
gringo_in_mira | Carlos Canales anunció 200 cámaras nuevas. Transparencia dice 80. ¿Cuál es el número real?
dato_duro_pe | Resumen de la semana en Miraflores: firmas entregadas, Carlos Canales dice que son "compradas", ONPE empieza verificación
chamba_y_combi | El serenazgo llegó 40 minutos tarde al robo de mi compañera. Carlos Canales, 40 minutos
surfista_frustrado | Alcalde Canales, la ciclovía del malecón está llena de huecos y de rateros #RevocatoriaMiraflores
mirafloresya | Entregadas las firmas contra Carlos Canales. Ahora que el JNE haga su trabajo #RevocatoriaMiraflores
don_tito_mira | Ojalá la ONPE revise bien esas firmas. Hay muchas dudas. Carlos Canales merece un proceso limpio #NoALaRevocatoria
ivanna_r_ | Mi mamá firmó, mi tía firmó, la vecina del 3er piso firmó. Carlos Canales, escuche a Miraflores
panadera_de_la_50 | Ayer robaron a dos clientes frente a mi panadería. Llamé al serenazgo y nada. Alcalde Canales, no es percepción
periodista_de_a_pie | Según la ONPE, la verificación de firmas de la revocatoria contra Carlos Canales tomará tres semanas.
vecino_neutral_pe | #RevocatoriaMiraflores ¿alguien sabe si se puede retirar una firma?
el_cholo_analista | Noviembre y el presupuesto de seguridad de Carlos Canales sigue por debajo del 5% de ejecución. Dato, no opinión.
la_causa_limeña | Carlos Canales ahora promete ejecutar todo en diciembre. Compras de fin de año a la carrera, ¿qué podría salir mal?
abogada_vecinal | Si la revocatoria de Carlos Canales pasa la verificación, la consulta se haría con la siguiente elección nacional.
eco_miraflorino | RT @periodista_de_a_pie: Según la ONPE, la verificación de firmas de la revocatoria contra Carlos Canales tomará tres semanas.
chibolo_de_pardo | Carlos Canales Anchorena trending por tercera semana. Ni los influencers, causa
serena_en_turno | A mi compañero lo hirieron anoche cerca de Angamos. Queremos equipo, no drones. @carloscanalesa
gringo_in_mira | Carlos Canales por fin se reunió con el jefe policial. Better late than never, ojalá sirva
vecinadelarco | Tres robos en mi cuadra en noviembre. Carlos Canales sigue en campaña para el no #RevocatoriaMiraflores
la_tia_del_jato | Cada vez que critican a Carlos Canales aparece una cuenta nueva con 0 seguidores. Saquen sus conclusiones #NoALaRevocatoria
ceviche_y_verdad | #RevocatoriaMiraflores no es de izquierda ni de derecha. Es de los que caminamos por Larco
chamba_y_combi | Serenazgo en mi paradero por primera vez en meses. Gracias, supongo, alcalde Canales
dato_duro_pe | Línea de tiempo: agosto kit, octubre firmas, noviembre verificación. Carlos Canales sigue diciendo que es campaña política
miraflorino_harto | Si Carlos Canales hubiera ejecutado el 10% de los 17.5 millones no estaríamos aquí #RevocatoriaMiraflores
vecino_neutral_pe | Lo que más me preocupa: ni Carlos Canales ni los promotores hablan de propuestas concretas de seguridad
periodista_de_a_pie | Carlos Canales confirma que hará campaña por el "no" si la consulta es convocada.
mirafloresya | Quedan días para saber si las firmas alcanzan. Carlos Canales, ya ve que los vecinos no somos "un grupito" #RevocatoriaMiraflores
don_tito_mira | Sea cual sea el resultado, Carlos Canales ha dado la cara. Otros ni eso #NoALaRevocatoria
panadera_de_la_50 | Vendí mi pan hoy sin que pase nada. Pequeñas victorias en Miraflores, alcalde Canales 🥖
abogada_vecinal | Recordatorio: insultar a Carlos Canales no ayuda a la revocatoria. Los argumentos sí
surfista_frustrado | #RevocatoriaMiraflores ayer robaron tablas en Waikiki, ya ni en el agua estamos tranquilos
el_cholo_analista | Cierre de noviembre: 17.5 millones, ejecución mínima, una revocatoria en verificación. La gestión de Carlos Canales tiene un diciembre difícil.
"""
