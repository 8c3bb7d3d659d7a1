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
	// Categories for sigPaymentDiversion: where bank references occur is
	// kept (marks), and the words around them are matched again.
	catBankRef
	catChange
	catNegate
	catPayCtx
	catQR
	catScan
	numCats
)

var catNames = [numCats]string{"investment", "crypto", "lottery", "pharma", "adult", "marketing", "phishing", "urgency", "money", "bec", "extortion", "callback", "bankref", "change", "negate", "payctx", "qr", "scan"}

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
		// "tax refund" in the platform's other languages.
		"steuerrückerstattung", "steuererstattung", "remboursement d'impôt", "remboursement fiscal",
		"devolución de impuestos", "reembolso de impuestos", "rimborso fiscale", "zwrot podatku",
		"belastingteruggave", "restituição de imposto", "vergi iadesi",
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
	// Payment diversion (sigPaymentDiversion): a reference to bank
	// details near a word saying they changed, not negated, in a message
	// about paying. Not "account details" or "payment details" alone:
	// honest services write "your payment details were updated".
	"bankref": {
		"bank details", "bank account", "bank accounts", "banking details", "banking information", "bank information",
		"bank info", "routing number", "sort code", "iban", "swift code", "beneficiary", "beneficiary account",
		"remittance details", "remittance information", "wire instructions", "wiring instructions", "direct deposit",
		"payroll account", "salary account", "banks", "bank account number",
		"bankverbindung", "kontoverbindung", "bankdaten", "kontonummer", "bankkonto",
		"coordonnées bancaires", "rib", "compte bancaire", "datos bancarios", "cuenta bancaria", "número de cuenta",
		"coordinate bancarie", "dati bancari", "conto corrente", "bankgegevens", "rekeningnummer", "bankrekening",
		"dados bancários", "conta bancária", "numer konta", "numer rachunku", "rachunek bankowy", "dane do przelewu",
		"banka hesabı", "hesap numarası", "hesap bilgileri", "振込先", "口座", "银行账户", "收款账户", "계좌",
	},
	"change": {
		"changed", "change", "changes", "changing", "new", "updated", "update", "different", "switched", "moved",
		"modified", "amended", "replaced", "no longer", "instead",
		"geändert", "geänderte", "änderung", "neue", "neuen", "neues", "aktualisiert", "changé", "changement",
		"nouvelles", "nouveau", "nouvel", "nouvelle", "nouveaux", "modifié", "modifiées", "modification",
		"nuevo", "nueva", "nuevos", "nuevas", "cambiado", "cambio", "actualizado", "actualizados", "nuovo", "nuova",
		"nuove", "nuovi", "cambiato", "cambiate", "modificato", "variazione", "nieuwe", "nieuw", "gewijzigd",
		"wijziging", "novo", "nova", "novos", "novas", "alterado", "alterados", "alteração", "mudança", "nowy",
		"nowe", "nowa", "nowego", "zmiana", "zmianie", "zmieniliśmy", "zmieniony", "yeni", "değişti",
		"değişikliği", "güncellendi", "変更", "更改", "变更", "변경",
	},
	"negate": {
		"not", "no", "never", "unchanged", "same", "fraud", "fraudsters", "scam", "scammers", "criminals", "beware",
		"claiming", "nicht", "keine", "nie", "niemals", "unverändert", "betrug", "pas", "jamais", "inchangé",
		"inchangées", "fraude", "nunca", "sin", "non", "invariato", "truffa", "geen", "niet", "nooit",
		"ongewijzigd", "oplichters", "não", "nigdy", "oszuści", "değil", "asla", "dolandırıcı",
	},
	"payctx": {
		"pay", "payment", "payments", "paid", "transfer", "remittance", "invoice", "invoices", "salary", "payroll",
		"wire", "zahlung", "zahlungen", "überweisung", "rechnung", "rechnungen", "gehalt", "paiement", "paiements",
		"virement", "facture", "factures", "salaire", "pago", "pagos", "transferencia", "factura", "facturas",
		"pagamento", "pagamenti", "bonifico", "fattura", "fatture", "betaling", "betalingen", "factuur", "facturen",
		"overboeking", "salaris", "transferência", "fatura", "faturas", "salário", "płatność", "płatności",
		"przelew", "faktura", "faktury", "wynagrodzenie", "ödeme", "havale", "maaş", "支払", "振込",
		"付款", "汇款", "发票", "송금", "결제",
	},
	// Quishing (sigQRLure): scan a QR code, and the phone's browser opens
	// a page the mail filter never saw.
	"qr": {
		"qr", "qr-code", "qrcode", "qr-codes", "qr-kod", "qr-kodu", "qr-koda", "qr-kode", "二维码", "큐알",
	},
	"scan": {
		"scan", "scanning", "scannen", "scanne", "scannez", "scanner", "escanee", "escanea", "escaneie", "escaneando",
		"escanear", "inquadra", "scansiona", "scansionare", "zeskanuj", "skanuj", "tarayın", "tarayarak", "okutun",
		"okutarak", "camera", "kamera", "caméra", "cámara", "câmera", "fotocamera", "aparat", "読み取", "スキャン",
		"扫描", "扫一扫", "스캔",
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

// mark is where a phrase was found: words [start, end) of the hashes given
// to match.
type mark struct {
	cat, start, end int
	text            string
}

// match returns, per category, the distinct phrases found in the word hashes
// (for the categories from catBankRef on, which no signal lists, only
// whether any was found: a bit per category in found), and appends to marks
// (up to its capacity) where bank references and QR codes are.
func (l *lexicon) match(words []uint32, marks []mark) (hits lexHits, found uint32, _ []mark) {
	for i, h := range words {
		for _, p := range l.startingWith(h) {
			if !p.at(words, i, len(words)) {
				continue
			}
			if p.cat >= catBankRef {
				found |= 1 << p.cat
			} else if !slices.Contains(hits[p.cat], p.text) {
				hits[p.cat] = append(hits[p.cat], p.text)
			}
			if (p.cat == catBankRef || p.cat == catQR) && len(marks) < cap(marks) {
				marks = append(marks, mark{p.cat, i, i + len(p.hashes), p.text})
			}
		}
	}
	return hits, found, marks
}

// each calls fn for every phrase of category cat found in words[lo:hi]
// (phrases may not run past hi).
func (l *lexicon) each(words []uint32, lo, hi, cat int, fn func(m mark)) {
	lo, hi = max(lo, 0), min(hi, len(words))
	for i := lo; i < hi; i++ {
		for _, p := range l.startingWith(words[i]) {
			if p.cat == cat && p.at(words, i, hi) {
				fn(mark{cat, i, i + len(p.hashes), p.text})
			}
		}
	}
}

// startingWith returns the phrases whose first word hashes to h.
func (l *lexicon) startingWith(h uint32) []phrase {
	if l.firstBits[h&firstMask/64]&(1<<(h&63)) == 0 {
		return nil
	}
	return l.byFirst[h]
}

// at reports whether the phrase's words are words[i:], ending by hi.
func (p *phrase) at(words []uint32, i, hi int) bool {
	if i+len(p.hashes) > hi {
		return false
	}
	for j := 1; j < len(p.hashes); j++ {
		if words[i+j] != p.hashes[j] {
			return false
		}
	}
	return true
}
