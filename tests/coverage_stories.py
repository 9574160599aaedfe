"""Hand-made stories for the lineage tests: a ferry strike in Tessel Bay (fiction written for phylo).

``WIRE`` is the original report. The others are what outlets did with it: a trimmed copy,
a copy with local paragraphs, a merge of the original with one of those local paragraphs,
an independent report that quotes one sentence of the same statement, and three copies of
the wire story that each edited it in other places (for a story whose original is missing).
Each is a list of paragraphs.
"""

WIRE = [
    "Ferry crews in Tessel Bay walked off the job at dawn on Monday, halting every crossing between the old "
    "harbour and the three islands after talks over new duty rosters collapsed late on Sunday night.",
    "The Tessel Bay Ferries company said the first boat of the day, the 5.40 a.m. sailing to Kellow Island, "
    "never left the quay. By mid-morning more than two hundred passengers had been turned away, among them "
    "nurses, schoolchildren and a delivery crew with a van full of bread.",
    "The strike was called by the Maritime Workers Guild, which represents most of the deckhands and engineers "
    "on the fleet of nine vessels. The guild says the new rosters would add two extra night shifts a month "
    "without extra pay.",
    '"Our members have carried this town through storms, fog and a pandemic, and they will not be told to work '
    'longer for less," guild secretary Ines Varga said outside the ticket office. "We are ready to talk tonight, '
    'but not to accept a roster written without us."',
    "The company said the rosters were needed to keep the late crossings running through the summer, when "
    "traffic to the islands almost doubles. Managing director Paul Okafor said the firm had offered a bonus for "
    "night work in September and would put it in writing.",
    "Island residents said the walkout had left them with few ways to reach the mainland. The only alternative "
    "is a water taxi that carries eight people and charges several times the ferry fare, and its owner said he "
    "had stopped taking bookings by nine.",
    "The regional hospital said it had arranged for two of its own boats to carry staff and patients with "
    "urgent appointments. Schools on Kellow and Marr islands closed for the day because teachers who live on "
    "the mainland could not reach them.",
    "The port authority said it would ask both sides to meet on Tuesday morning at the harbour master's office. "
    "A mediator from the regional labour board has been asked to attend.",
    "The last strike on the ferries, in 2017, lasted four days and ended with a pay deal that the guild says the "
    "company has since whittled away through changes to overtime rules.",
]

LOCAL = [
    "On Marr Island, shopkeeper Dora Lindqvist said she had closed early because her morning delivery of milk "
    'and newspapers was sitting on the quay across the water. "Every day this goes on costs us a week of '
    'trade," she said.',
    "The island council said it would open the community hall as a waiting room for anyone stranded on the "
    "mainland side, with tea and a list of private boats willing to help.",
]

INDEPENDENT = [
    "Nobody was selling tickets at the Tessel Bay harbour on Monday morning. The shutters of the booth stayed "
    "down, and a handwritten sign taped to the glass told travellers that there would be no boats today.",
    "Deckhands and engineers stood in a loose circle on the slipway, some holding flasks of coffee, as the sun "
    "came up over the empty moorings. Several said they had never expected the dispute over working hours to "
    "reach this point.",
    "Ines Varga, who leads the Maritime Workers Guild, spoke to a small crowd of reporters and commuters. "
    '"We are ready to talk tonight, but not to accept a roster written without us," she said, before walking '
    "back to join the picket.",
    "Across the water, people on Kellow Island were working out how to get to jobs and appointments. A retired "
    "fisherman offered lifts in his own launch, taking four passengers at a time and refusing any money.",
    "A spokesperson for the ferry operator told our newsroom that management hoped to resume talks within days "
    "and regretted the disruption to passengers. The operator runs nine vessels and employs about a hundred "
    "and forty people.",
    "Listeners calling our morning programme described long waits and cancelled plans. One caller, a midwife, "
    "said she had caught a lift on a hospital boat and reached her shift only twenty minutes late.",
]


def edit(paragraphs: list[str], changes: list[tuple[int, str, str]]) -> list[str]:
    """The paragraphs with each (paragraph, old words, new words) rewording made."""
    out = list(paragraphs)
    for k, old, new in changes:
        assert old in out[k], (k, old)
        out[k] = out[k].replace(old, new)
    return out


COPY = edit(WIRE[:6], [(0, "at dawn on Monday", "early on Monday")])
LOCAL_COPY = WIRE[:6] + LOCAL
MERGE = WIRE[:6] + LOCAL[:1] + WIRE[6:8]

# three outlets take the wire story, each changing it in places the others keep
K1 = edit(WIRE, [(1, "By mid-morning more than two hundred passengers had been turned away",
                  "More than two hundred passengers had been sent home by mid-morning"),
                 (5, "The only alternative is a water taxi that carries eight people",
                  "Their only other option is an eight-seat water taxi"),
                 (7, "A mediator from the regional labour board has been asked to attend.",
                  "The regional labour board is sending a mediator.")])
K2 = edit(WIRE[:6] + WIRE[7:], [(2, "The guild says the new rosters would add two extra night shifts a month without "
                                    "extra pay.", "According to the guild, the rosters add two unpaid night shifts a month."),
                               (7, "The last strike on the ferries, in 2017, lasted four days",
                                "Four days: that is how long the last ferry strike, in 2017, lasted")]) + \
    ["Coast FM will carry sailing updates every half hour for as long as the strike lasts."]
K3 = edit(WIRE, [(4, "Managing director Paul Okafor said the firm had offered a bonus for night work in September",
                  "Paul Okafor, the managing director, said a night-work bonus had been offered in September")])


def page(title: str, site: str, published: str, paragraphs: list[str]) -> str:
    """An article page as outlets publish it (site name and time in OpenGraph tags)."""
    import html

    body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)} | {site}</title>"
            f"<meta property='og:site_name' content='{site}'>"
            f"<meta property='article:published_time' content='{published}'></head>"
            f"<body><nav><a href='/'>Home</a> <a href='/news'>News</a></nav>"
            f"<article><h1>{html.escape(title)}</h1>{body}</article>"
            f"<footer>&copy; {site}. All rights reserved.</footer></body></html>")
