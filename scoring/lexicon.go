package scoring

import "slices"

// lexicon matches word sequences (by token hash, so matching costs one map
// lookup per word of the message) against phrase lists by category.
type lexicon struct {
	// firstBits has bit h&firstMask set for the hash h of every phrase's
	// first word: most words of a message are no phrase's first, and the
	// bit says so before the map is asked.
	firstBits [(firstMask + 1) / 64]uint64
	byFirst   map[uint32][]phrase
	leet      map[uint32]string // words worth disguising, for the l33t check
}

const firstMask = 1<<15 - 1

type phrase struct {
	cat    int
	text   string
	hashes []uint32
}

// Lexicon categories, as indexes of lexHits.
const (
	catInvestment = iota
	catCrypto
	catLottery
	catPharma
	catAdult
	catMarketing
	catPhishing
	catUrgency
	catMoney
	catBEC
	catExtortion
	catCallback
	numCats
)

var catNames = [numCats]string{"investment", "crypto", "lottery", "pharma", "adult", "marketing", "phishing", "urgency", "money", "bec", "extortion", "callback"}

func catIndex(name string) int {
	for i, n := range catNames {
		if n == name {
			return i
		}
	}
	panic("scoring: unknown lexicon category " + name)
}

// lexHits are the distinct phrases found, by category, in order of
// appearance.
type lexHits [numCats][]string

// Lexicon categories. Each becomes a signal "lexicon_<cat>" except urgency and
// money, which have their own signals.
var lexiconPhrases = map[string][]string{
	"investment": {
		"forex", "binary options", "trading signals", "guaranteed returns", "guaranteed return", "guaranteed profit",
		"investment opportunity", "stock alert", "hot stock", "penny stock", "double your money", "passive income",
		"make money fast", "make money online", "work from home", "earn extra cash", "financial freedom", "be your own boss",
		"multi level marketing", "home based business", "home business", "get rich", "profit daily", "daily profit",
		"risk free investment", "high returns", "returns of", "investment plan", "trading platform", "trading account",
		"earn money", "extra income", "residual income", "no experience required", "stock profile", "strong buy",
	},
	"crypto": {
		"bitcoin", "btc", "cryptocurrency", "crypto wallet", "crypto trading", "ethereum", "usdt", "wallet address", "blockchain", "nft", "airdrop",
		"seed phrase", "binance", "coinbase", "token sale", "dogecoin", "solana",
	},
	"lottery": {
		"lottery", "you have won", "you have been selected", "claim your prize", "jackpot", "sweepstakes", "winning number",
		"prize money", "inheritance", "next of kin", "beneficiary", "transfer of funds", "barrister", "diplomat",
		"consignment", "million us dollars", "million dollars", "unclaimed", "compensation fund", "winner",
		"congratulations you", "lucky winner", "cash prize", "claim your", "confidential business", "strictly confidential",
		"business proposal", "my late husband", "late father", "foreign account", "bank draft",
	},
	"pharma": {
		"viagra", "cialis", "levitra", "pharmacy", "no prescription", "without prescription", "prescription drugs",
		"pills", "meds", "weight loss", "lose weight", "diet pills", "herbal", "penis", "enlargement", "erectile",
		"hgh", "anti aging", "xanax", "valium", "phentermine", "vicodin", "online pharmacy", "lose pounds", "fat burning",
	},
	"adult": {
		"xxx", "porn", "nude", "naked", "hot girls", "horny", "erotic", "adult site", "hardcore", "sex videos",
		"singles in your area", "barely legal", "live girls", "sexy", "adult entertainment",
	},
	"marketing": {
		"act now", "click here", "order now", "buy now", "risk free", "risk-free", "100% free", "free gift",
		"no obligation", "limited offer", "special promotion", "this is not spam", "not spam", "remove from list",
		"to be removed", "you are receiving this", "satisfaction guaranteed", "money back", "money-back", "no cost",
		"lowest rates", "lowest price", "credit report", "bad credit", "cash bonus", "casino", "dear friend",
		"once in a lifetime", "bulk email", "email marketing", "email addresses", "opt-in list", "mortgage",
		"refinance", "debt", "consolidate", "no hidden fees", "call now", "order today", "free trial",
		"free quote", "guaranteed", "unsecured", "pre-approved", "approved", "mlm", "amazing offer", "special offer",
	},
	"phishing": {
		"verify your account", "account suspended", "account has been suspended", "confirm your password",
		"update your payment", "unusual activity", "suspicious activity", "login attempt", "your account will be",
		"security alert", "verify your identity", "account has been locked", "confirm your identity",
		"update your account", "validate your account", "click the link below to verify", "account verification",
		"your mailbox", "mailbox is full", "password expires",
		// Today's credential phishing: quotas, expiring passwords, shared
		// documents, voicemail, fees for parcels and refunds, and the same
		// in the languages the platform's tenants write.
		"mailbox quota", "storage quota", "storage is full", "storage full", "mailbox storage", "incoming messages",
		"pending messages", "undelivered messages", "will be deleted", "will be suspended", "will be deactivated",
		"will be disabled", "will be closed", "will be terminated", "avoid suspension", "avoid deactivation",
		"avoid interruption", "avoid losing", "password will expire", "password expiry", "password expiration",
		"keep your current password", "keep the same password", "shared a document", "shared a file",
		"shared document", "view document", "view the document", "open document", "secure document",
		"review and sign", "voicemail", "voice message", "sign in to view", "log in to view", "login to view",
		"re-validate", "revalidate", "reactivate your", "re-activate", "restore your account", "restore access",
		"unlock your account", "confirm your details", "update your details", "verify your details",
		"confirm your information", "update your information", "verify your information", "tax refund",
		"eligible for a refund", "refund is pending", "redelivery", "delivery fee", "customs fee", "customs duty",
		"parcel is on hold", "package is on hold", "delivery attempt", "unpaid toll", "outstanding toll",
		"ihr konto", "konto wurde", "konto gesperrt", "konto verifizieren", "identität bestätigen",
		"daten bestätigen", "daten aktualisieren", "sicherheitsüberprüfung", "eingeschränkt", "su cuenta ha sido",
		"cuenta suspendida", "cuenta bloqueada", "verifique su cuenta", "verificar su cuenta", "votre compte a été",
		"compte suspendu", "compte bloqué", "vérifier votre compte", "confirmer vos informations",
		"uw account is", "rekening geblokkeerd", "account geblokkeerd", "sua conta foi", "conta bloqueada",
		"verifique sua conta",
	},
	// Business email compromise: a "boss" or a "supplier" who needs
	// gift cards, a wire, or new bank details, quietly and now.
	"bec": {
		"gift card", "gift cards", "itunes card", "google play card", "steam card", "scratch off", "scratch the back",
		"are you available", "are you at your desk", "are you in the office", "need a favor", "need a favour",
		"quick favor", "quick favour", "quick task", "in a meeting", "can't talk", "cannot take calls",
		"can't take calls", "keep this between us", "keep this confidential", "keep it confidential", "discreet",
		"discreetly", "direct deposit", "new bank details", "change of bank details", "changed our bank",
		"updated bank details", "updated banking details", "new banking details", "new account details",
		"change my payroll", "update my payroll", "process a wire", "wire the payment", "send me your cell",
		"your cell number", "your personal number", "whatsapp number",
	},
	// Sextortion: a claimed recording and a ransom in crypto-currency.
	"extortion": {
		"recorded you", "i recorded", "webcam", "your camera", "your device", "infected your", "gained access",
		"access to your device", "access to your computer", "adult websites", "adult website", "porn sites",
		"pornographic", "intimate", "your contacts", "all your contacts", "friends and family", "the video",
		"compromising", "humiliating", "embarrassing", "bitcoin address", "btc address", "wallet address",
		"video of you", "pay me", "this is not a joke", "go to the police", "tell anyone",
	},
	// Callback scams: a charge the reader never made and a number to call
	// to "cancel" it (sigCallback also wants a phone number).
	"callback": {
		"did not authorize", "didn't authorize", "not authorized by you", "did not make this", "didn't make this",
		"not made by you", "do not recognize", "don't recognize", "did not place", "didn't place",
		"to cancel", "cancel this", "cancel your subscription", "cancel the order", "cancel this order",
		"for a refund", "claim a refund", "to dispute", "dispute this", "call our", "call us", "billing department",
		"refund department", "support team at", "helpline", "help desk", "toll free", "toll-free",
		"automatically renewed", "auto-renewal", "has been renewed", "been charged", "will be charged",
		"has been deducted", "will be deducted",
	},
	"urgency": {
		"urgent", "urgently", "immediately", "act now", "limited time", "expires", "expire", "expiring", "last chance",
		"don't miss", "do not miss", "hurry", "today only", "within 24 hours", "final notice",
		"deadline", "while supplies last", "now or never", "only a few left", "respond now", "reply now",
		"asap", "time is running out", "before it's too late", "offer ends", "ends tonight", "last day",
	},
	"money": {
		"cash", "money", "income", "profit", "profits", "earn", "earnings", "dollars", "usd", "million", "millions",
		"wire transfer", "western union", "moneygram", "bank account", "credit card", "loan", "loans", "payment",
		"per week", "per month", "per day", "free money", "fortune", "wealth", "rich", "funds", "investment",
		"commission", "salary", "$", "€", "£",
	},
}

// leetTargets are words spammers disguise (v1agra, fr33, p4ypal).
var leetTargets = []string{
	"viagra", "cialis", "free", "money", "cash", "sex", "porn", "casino", "bitcoin", "crypto", "paypal", "bank",
	"account", "password", "verify", "loan", "pharmacy", "winner", "prize", "lottery", "click", "offer", "credit",
	"urgent", "xanax", "valium", "amazon", "apple", "microsoft", "login",
}

func newLexicon() *lexicon {
	l := &lexicon{byFirst: map[uint32][]phrase{}, leet: map[uint32]string{}}
	var t tokenizer
	for name, list := range lexiconPhrases {
		cat := catIndex(name)
		for _, p := range list {
			var hs []uint32
			t.each(p, func(tok []byte, _ string) { hs = append(hs, hashBytes('w', tok)) })
			if len(hs) == 0 {
				// Single-character tokens ($, €, £) are below the tokenizer's
				// minimum length: they are counted by the money signal directly.
				continue
			}
			l.byFirst[hs[0]] = append(l.byFirst[hs[0]], phrase{cat: cat, text: p, hashes: hs})
			l.firstBits[hs[0]&firstMask/64] |= 1 << (hs[0] & 63)
		}
	}
	for _, w := range leetTargets {
		l.leet[hashStr('w', w)] = w
	}
	return l
}

// match returns, per category, the distinct phrases found in the word hashes.
func (l *lexicon) match(words []uint32) lexHits {
	var hits lexHits
	for i, h := range words {
		if l.firstBits[h&firstMask/64]&(1<<(h&63)) == 0 {
			continue
		}
		for _, p := range l.byFirst[h] {
			if i+len(p.hashes) > len(words) {
				continue
			}
			ok := true
			for j := 1; j < len(p.hashes); j++ {
				if words[i+j] != p.hashes[j] {
					ok = false
					break
				}
			}
			if ok && !slices.Contains(hits[p.cat], p.text) {
				hits[p.cat] = append(hits[p.cat], p.text)
			}
		}
	}
	return hits
}
