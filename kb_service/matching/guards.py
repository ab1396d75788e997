"""Out-of-scope detection: chit-chat, price predictions and requests for a human."""

from __future__ import annotations

import re

from kb_service.matching.normalize import normalize

SMALLTALK = "smalltalk"
PRICE_PREDICTION = "price_prediction"
HUMAN_REQUESTED = "human_requested"

_HUMAN = re.compile(
    r"\b(human|real person|live (agent|person|chat)|operator|representative|"
    r"(talk|speak|chat) (to|with) (someone|somebody|a person|an agent|a human|staff|support)|"
    r"agent please|customer service|(need|want) a (person|human))\b"
    r"|オペレーター|オペレータ|有人|人間|"
    r"(人|ひと|担当者?|スタッフ|係の人|サポートの人)(と|に)(話|はな|つな|繋|代わ|かわ|相談|チャット)|"
    r"電話(で話|で相談|したい|で問い合わせ|窓口)"
)
_PRICE_EN = re.compile(
    r"\b(will|is|are|gonna|going to|when will)\b.{0,40}\b(go up|go down|rise|fall|drop|crash|"
    r"moon|pump|dump|increase|decrease|hit|reach|recover)\b"
    r"|\b(price prediction|predict|prediction|forecast|outlook|should i (buy|sell)|"
    r"good time to (buy|sell)|worth buying|buy the dip|to the moon)\b"
)
_PRICE_SUBJECT_EN = re.compile(
    r"\b(btc|bitcoin|eth|ether|ethereum|xrp|ripple|sol|solana|doge|crypto\w*|coins?|"
    r"price|market|altcoins?|tokens?)\b"
)
_PRICE_JA = re.compile(
    r"(上が|あが|下が|さが|値上が|値下が|上昇|下落|高騰|暴落|爆上|回復)"
    r"(る\?|る？|ります|りそう|ると思|るかな|るの|るか|し(ます|そう)|する\?|する？|するか)"
    r"|予想|見通し|買い時|売り時|今(が|は)?買い|今買うべき|儲かる銘柄|どの(コイン|銘柄)が(上|儲)"
)
_SMALLTALK = re.compile(
    r"\b(hi|hello|hey|yo|hiya|good (morning|afternoon|evening|night)|thanks?|thank you|thx|"
    r"ty|ok|okay|cool|nice|great|bye|goodbye|see you|lol|how are you|who are you|"
    r"are you (a )?(bot|robot|human|real)|what'?s your name|tell me a joke|test(ing)?|"
    r"you there|anyone there|good job|awesome|sorry|please|i see|got it|sure|yes|no|there|"
    r"a lot|so much|very much|nice to meet you|how'?s it going|have a (nice|good) day)\b"
    r"|こんにちは|こんばんは|おはよう(ございます)?|はじめまして|よろしく(お願い|おねがい)(します|いたします)?|"
    r"ありがと(う|ー)?(ございます|ございました)?|どうも|お疲れ様(です)?|おつかれ(さま)?|もしもし|"
    r"テスト|元気(ですか)?|あなたは(誰|だれ)|ボット|了解(です|しました)?|わかりました|"
    r"さようなら|じゃあね|またね|すみません|笑|いいね|はい|いいえ|です(か)?|ですね|"
    r"あなた|名前は"
)
_LEFTOVER = re.compile(r"[\s\W_]+")
_FILLER = re.compile(
    r"と話|に話|したい(です)?|[はがも]?か$|して(ください|ほしい|欲しい)?|ください|お願い(します)?|"
    r"みたい|です|ので|けど|\b(i|want|to|please|can|could|would|like|let|me|a|an|the|about|"
    r"my|now|and|so|because|connect|talk|speak|chat|get|need|with|someone|somebody|real|"
    r"person|up|down)\b"
)
_MIN_TOPIC_CHARS = 4


def check(text: str) -> str | None:
    """Return the out-of-scope reason for a message, or None when it may be a question."""
    norm = normalize(text)
    if _HUMAN.search(norm):
        return HUMAN_REQUESTED
    if _PRICE_JA.search(norm) or (_PRICE_EN.search(norm) and _PRICE_SUBJECT_EN.search(norm)):
        return PRICE_PREDICTION
    if norm and not _LEFTOVER.sub("", _SMALLTALK.sub(" ", norm)):
        return SMALLTALK
    return None


def remainder(text: str) -> str:
    """Return the message without its out-of-scope phrases and pleasantries ('' if nothing)."""
    norm = normalize(text)
    for pattern in (_HUMAN, _PRICE_JA, _PRICE_EN, _SMALLTALK):
        norm = pattern.sub(" ", norm)
    # Japanese particles and request endings left behind carry no topic.
    rest = _LEFTOVER.sub(" ", _FILLER.sub(" ", norm)).strip()
    return rest if len(rest.replace(" ", "")) >= _MIN_TOPIC_CHARS else ""


# Paraphrases the rules miss are caught by these examples, learned as extra classes.
PSEUDO_EXAMPLES: dict[str, tuple[str, ...]] = {
    SMALLTALK: (
        "hello there",
        "good morning!",
        "thanks a lot",
        "how's it going",
        "nice to meet you",
        "are you a robot?",
        "what is your name",
        "tell me something funny",
        "have a nice day",
        "こんにちは！",
        "ありがとうございました",
        "おはようございます",
        "お元気ですか",
        "あなたはロボット？",
        "いい天気ですね",
        "おやすみなさい",
        "暇なので話しかけました",
    ),
    PRICE_PREDICTION: (
        "will bitcoin go up tomorrow?",
        "is eth going to crash",
        "should i buy btc now",
        "price prediction for xrp",
        "when will the market recover",
        "which coin will moon",
        "is now a good time to invest in crypto",
        "ビットコインは上がりますか",
        "イーサリアムは今後下がる？",
        "今は買い時ですか",
        "来年のビットコイン価格の予想は",
        "どのコインが儲かる？",
        "XRPは上昇しそうですか",
        "暴落しますか",
    ),
    HUMAN_REQUESTED: (
        "human please",
        "i want to talk to a real person",
        "connect me to an operator",
        "can i speak to an agent",
        "let me talk to someone",
        "get me a representative",
        "stop the bot, i need a person",
        "オペレーターと話したい",
        "人と話したい",
        "有人チャットに切り替えて",
        "担当者につないでください",
        "ボットじゃなくて人間がいい",
        "スタッフに代わって",
        "電話で相談したい",
    ),
}
