"""Other languages and scripts: copies and rewrites found, independent texts not flagged."""

from derivdetect import Config
from derivdetect.engines.local import compare_documents, scan_documents
from derivdetect.models import Document
from derivdetect.text.normalize import analyze

RU_SOURCE = """Жители Нагорного Карабаха массово покидают регион после военной операции Азербайджана.
По данным правительства Армении, к пятнице в страну прибыли более 93 тысяч беженцев.
Премьер-министр Никол Пашинян обвинил Баку в проведении этнической чистки.
Российские миротворцы, которые должны были защищать население, не вмешались в конфликт.
Беженцы говорят, что чувствуют себя преданными Москвой и международным сообществом.
Дорога через Лачинский коридор была заблокирована почти десять месяцев, что вызвало нехватку продовольствия.
Власти Азербайджана заявляют, что армяне могут остаться и получат все права граждан страны.
Международный комитет Красного Креста организовал доставку гуманитарной помощи в город Горис."""

RU_REWRITE = """После операции азербайджанской армии жители Нагорного Карабаха массово бегут из региона.
Правительство Армении сообщает, что к пятнице прибыли свыше 93 тысяч беженцев.
Никол Пашинян обвинил Баку в этнической чистке.
Беженцы чувствуют себя преданными Москвой, ведь российские миротворцы не стали защищать население.
Лачинский коридор почти десять месяцев оставался заблокирован, из-за чего не хватало продовольствия."""

RU_OTHER = """Центральный банк России повысил ключевую ставку до пятнадцати процентов годовых.
Аналитики ожидали более скромного решения и называют шаг неожиданным для рынка.
Рубль после объявления укрепился к доллару и евро на биржевых торгах.
Эксперты предупреждают, что дорогие кредиты замедлят рост экономики в следующем году.
Инфляция в стране остаётся выше целевого уровня уже несколько месяцев подряд."""

ZH_SOURCE = """纳戈尔诺－卡拉巴赫地区的亚美尼亚族居民在阿塞拜疆军事行动后大批离开。
亚美尼亚政府表示，截至周五已有超过九万三千名难民抵达。
总理帕希尼扬指责巴库进行种族清洗。
俄罗斯维和人员本应保护当地居民，但他们没有进行干预。
难民们说，他们感到被莫斯科和国际社会背叛。
拉钦走廊被封锁了将近十个月，导致当地食品短缺。
阿塞拜疆当局称，亚美尼亚族人可以留下，并将享有公民的一切权利。
红十字国际委员会已经组织向戈里斯市运送人道主义援助物资。"""

ZH_REWRITE = """阿塞拜疆发动军事行动后，纳戈尔诺－卡拉巴赫的亚美尼亚族居民大批出逃。
据亚美尼亚政府消息，到周五为止抵达的难民已超过九万三千名。
帕希尼扬总理指责巴库实施种族清洗。
难民感到被莫斯科背叛，因为俄罗斯维和人员并没有保护当地居民。
拉钦走廊被封锁近十个月，造成食品短缺。"""

ZH_OTHER = """中国人民银行宣布下调存款准备金率零点五个百分点。
分析人士认为，此举将向市场释放约一万亿元长期资金。
上海和深圳股市在消息公布后小幅上涨。
专家表示，货币政策将继续保持稳健，以支持实体经济发展。
今年前三季度国内生产总值同比增长百分之五点二。"""


def doc(name, text):
    return Document(name, name, text)


def judge(a, b):
    return compare_documents(doc("a", a), doc("b", b), Config())


def test_russian_is_stemmed_and_stopwords_dropped():
    an = analyze(RU_SOURCE)
    assert an.language == "ru"
    assert "беженц" in an.stems  # беженцев -> беженц
    assert not an.content[an.forms.index("в")]


def test_chinese_is_cut_into_characters():
    an = analyze(ZH_SOURCE)
    assert an.language == "und"
    assert an.forms[:3] == ("纳", "戈", "尔")
    assert len(an.sentences) == 8


def test_russian_copy_and_rewrite_found_independent_text_not():
    copy = judge(RU_SOURCE.replace("\n", " "), RU_SOURCE)
    assert copy.verdict == "verbatim"
    rewrite = judge(RU_REWRITE, RU_SOURCE)
    assert rewrite.verdict == "derivative"
    assert rewrite.source == "b"
    assert judge(RU_OTHER, RU_SOURCE).verdict == "unrelated"


def test_chinese_copy_and_rewrite_found_independent_text_not():
    copy = judge(ZH_SOURCE.replace("\n", ""), ZH_SOURCE)
    assert copy.verdict == "verbatim"
    rewrite = judge(ZH_REWRITE, ZH_SOURCE)
    assert rewrite.verdict == "derivative"
    assert rewrite.source == "b"
    assert judge(ZH_OTHER, ZH_SOURCE).verdict == "unrelated"


def test_scan_finds_the_multilingual_pairs_and_nothing_else():
    docs = [doc("ru/source.txt", RU_SOURCE), doc("ru/rewrite.txt", RU_REWRITE),
            doc("ru/other.txt", RU_OTHER), doc("zh/source.txt", ZH_SOURCE),
            doc("zh/rewrite.txt", ZH_REWRITE), doc("zh/other.txt", ZH_OTHER)]
    pairs = scan_documents(docs, Config(workers=1)).pairs
    assert {(p.a, p.b) for p in pairs} == {("ru/rewrite.txt", "ru/source.txt"),
                                          ("zh/rewrite.txt", "zh/source.txt")}


def test_scripts_are_tokenized_on_their_own_terms():
    hy = analyze("Հայաստանի կառավարությունը հայտարարեց, որ փախստականների թիվը գերազանցել է "
                 "հարյուր հազարը, և նրանք բոլորը կստանան օգնություն։")
    assert hy.language == "hy" and "կառավարությունը" in hy.forms
    az = analyze("Azərbaycan hökuməti bəyan edib ki, sakinlər regionda qala bilərlər.")
    assert "azərbaycan" in az.forms and "hökuməti" in az.forms  # diacritics kept in the word
    ar = analyze("قالت الحكومة إن اللاجئين وصلوا إلى العاصمة يوم الجمعة بعد رحلة طويلة.")
    assert ar.language == "ar" and "الحكومة" in ar.forms
    he = analyze("הממשלה הודיעה כי הפליטים הגיעו לבירה ביום שישי.")
    assert "הממשלה" in he.forms and he.stems == he.forms  # no Hebrew stemmer: none applied
    ja = analyze("東京で会議が開かれた。")
    assert ja.forms[:3] == ("東", "京", "で") and len(ja.sentences) == 1
    mixed = analyze("He said \u200fשלום\u200f and left.")
    assert "שלום" in mixed.forms
