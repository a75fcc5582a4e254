"""One story, however many copies: drop what is already held, link reprints to the first copy."""

from crawler.documents import content_hash, doc_id
from crawler.duplicates import StoryIndex

ANDINA = [
    "La Municipalidad de Miraflores inició la instalación de 120 cámaras de videovigilancia con inteligencia artificial en los principales corredores del distrito, informó el alcalde Carlos Canales.",
    "Según la comuna, los equipos reconocen placas de vehículos y alertan al centro de monitoreo cuando detectan aglomeraciones o comportamientos sospechosos en la vía pública.",
    "Carlos Canales sostuvo que la inversión forma parte del plan de seguridad ciudadana del distrito y que las cámaras estarán conectadas con la comisaría y con el serenazgo.",
    "La obra se ejecuta en tres etapas y la primera comprende el malecón, la avenida Larco y los alrededores del parque Kennedy.",
]
OTHER = (
    "Los promotores de la revocatoria contra Carlos Canales compraron el kit electoral y empezarán a recolectar "
    "firmas en los mercados del distrito durante las próximas semanas, según confirmó la ONPE a este diario."
)


def doc(url, platform, title, paras, author=None):
    text = "\n".join(paras) if isinstance(paras, list) else paras
    return {
        "doc_id": doc_id("c", "news", url=url), "platform": platform, "title": title, "text": text,
        "content_hash": content_hash(title, text), "author": author,
    }


def hold(index, d, duplicate_of=None):
    index.add(d["doc_id"], platform=d["platform"], title=d["title"], text=d["text"],
              content_hash=d["content_hash"], duplicate_of=duplicate_of)


def check(index, d, social=False):
    return index.check(d["doc_id"], platform=d["platform"], title=d["title"], text=d["text"],
                       content_hash=d["content_hash"], author=d["author"], social=social)


def test_an_agency_story_reprinted_by_two_outlets_is_one_story_with_two_copies():
    index = StoryIndex()
    original = doc("https://andina.pe/agencia/noticia-camaras-1.aspx", "andina.pe",
                   "Miraflores instala 120 cámaras con inteligencia artificial", ANDINA)
    reprint = doc("https://larepublica.pe/sociedad/2026/11/19/camaras-hnews-1", "larepublica.pe",
                  "Miraflores instala cámaras con IA en sus corredores", ["(Andina) " + ANDINA[0], *ANDINA[1:]])
    shorter = doc("https://exitosanoticias.pe/actualidad/camaras/", "exitosanoticias.pe",
                  "Miraflores: 120 cámaras con IA vigilarán el distrito", [*ANDINA[:3], "Con información de Andina."])
    hold(index, original)
    links = []
    for copy in (reprint, shorter):
        verdict = check(index, copy)
        assert verdict.kind == "copy" and not verdict.drop
        links.append(verdict.of)
        hold(index, copy, duplicate_of=verdict.of)
    assert links == [original["doc_id"], original["doc_id"]]


def test_a_copy_of_a_copy_points_to_the_first_copy():
    index = StoryIndex()
    first = doc("https://andina.pe/a", "andina.pe", "T", ANDINA)
    extra = ["Los vecinos del malecón pidieron que las cámaras también cubran los accesos a las playas de la Costa Verde.",
             "La comuna respondió que esa zona será incluida en la tercera etapa del proyecto el próximo año."]
    second = doc("https://larepublica.pe/b", "larepublica.pe", "T2", ANDINA + extra)
    hold(index, first)
    hold(index, second, duplicate_of=check(index, second).of)
    third = doc("https://exitosanoticias.pe/c", "exitosanoticias.pe", "T3", ANDINA + extra)
    verdict = check(index, third)
    assert verdict.kind == "copy" and verdict.of == first["doc_id"]


def test_the_same_story_on_the_same_outlet_under_another_url_is_dropped():
    index = StoryIndex()
    hold(index, doc("https://elcomercio.pe/lima/nota-noticia/", "elcomercio.pe", "Título", ANDINA))
    again = doc("https://elcomercio.pe/politica/nota-noticia/", "elcomercio.pe", "Título", ANDINA)
    verdict = check(index, again)
    assert verdict.drop and verdict.kind == "duplicate_story"


def test_a_stored_doc_id_is_dropped():
    index = StoryIndex()
    d = doc("https://elcomercio.pe/lima/nota-noticia/", "elcomercio.pe", "Título", ANDINA)
    hold(index, d)
    assert check(index, d).kind == "duplicate_id"


def test_different_stories_about_the_same_mayor_are_not_duplicates():
    index = StoryIndex()
    hold(index, doc("https://andina.pe/a", "andina.pe", "Cámaras", ANDINA))
    assert check(index, doc("https://larepublica.pe/b", "larepublica.pe", "Kit", OTHER)).kind == "new"


def test_two_people_posting_the_same_words_are_two_opinions():
    index = StoryIndex()
    chant = "Fuera Carlos Canales, firma por la revocatoria #RevocatoriaYa"
    a = {**doc("https://x/1", "bluesky", None, chant, author="ana"), "doc_id": "a"}
    b = {**doc("https://x/2", "bluesky", None, chant, author="beto"), "doc_id": "b"}
    index.add("a", platform="bluesky", title=None, text=chant, content_hash=a["content_hash"], author="ana", social=True)
    assert check(index, b, social=True).kind == "copy"
    same_author = {**b, "author": "ana"}
    assert check(index, same_author, social=True).kind == "duplicate_story"


def test_seeding_from_stored_fingerprints():
    index = StoryIndex()
    stored = doc("https://andina.pe/a", "andina.pe", "Cámaras", ANDINA)
    assert index.seed([{**stored, "url": "https://andina.pe/a", "duplicate_of": None}]) == 1
    assert stored["doc_id"] in index
    assert check(index, doc("https://gestion.pe/b", "gestion.pe", "Cámaras", ANDINA)).of == stored["doc_id"]


def test_old_stored_documents_match_exactly_but_not_as_near_copies():
    from datetime import UTC, datetime

    index = StoryIndex()
    old = {**doc("https://andina.pe/old", "andina.pe", "Cámaras", ANDINA), "published_at": datetime(2026, 1, 1, tzinfo=UTC)}
    new = {**doc("https://andina.pe/new", "andina.pe", "Kit", OTHER), "published_at": datetime(2026, 11, 1, tzinfo=UTC)}
    index.seed([old, new])
    assert check(index, old).kind == "duplicate_id"
    reprint = doc("https://gestion.pe/b", "gestion.pe", "Cámaras", ["Lima. " + ANDINA[0], *ANDINA[1:]])
    assert check(index, reprint).kind == "new"
