package scoring

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

// Synthetic modern fraud, added to the classifier's training as spam.
//
// The development corpus's spam is of 2002: stock tips, mortgages, pills,
// advance-fee letters. It holds none of today's credential phishing,
// business email compromise, callback scams, sextortion, task scams or
// crypto pitches, and the synthetic business ham (synth.go) teaches the
// classifier that "your account", "password", "invoice" and "document" are
// honest words. So it read today's frauds as business mail (doc.go, Modern
// fraud). This generator writes varied examples of those frauds, in
// English, German, French, Dutch, Spanish, Portuguese, Italian, Polish,
// Turkish, Japanese, Chinese and Korean (the last five for phishing and
// parcel fees only), plain text or HTML, with
// random brands, people, amounts and domains, deterministically for a seed.
// It leaves out the frauds that borrow an honest invoice's words (a
// supplier's "new bank details", a callback scam's invoice table): words
// cannot tell them from the invoices the platform's tenants send (with them
// in training, honest trial invoices scored 2.7 and formed a campaign in
// the end-to-end attack test), so lexicon_bec and callback_scam catch them.
// It writes only the languages the synthetic business ham writes
// (TestSyntheticSpamLanguagesHaveHam): a language found only in the
// synthetic spam would teach the classifier that the language itself is
// spam (Spanish in an early version, before the ham wrote it, held an
// honest Spanish invoice and a neighbours' association's notice).
// It is training data only: testdata/modern and testdata/holdout were
// written separately and are never trained on.

// DefaultSyntheticSpam is how many synthetic fraud messages training adds as
// spam unless TrainConfig.SyntheticSpam says otherwise (see doc.go).
const DefaultSyntheticSpam = 250

// SyntheticSpam returns n synthetic fraud messages, deterministically for
// the seed.
func SyntheticSpam(n int, seed uint64) [][]byte {
	g := &synthGen{r: rand.New(rand.NewPCG(seed, 0x5eed5a11))}
	out := make([][]byte, n)
	for i := range out {
		out[i] = g.fraud()
	}
	return out
}

// spamKind is one kind of fraud: subjects, paragraphs (one picked from each
// group, in order), whether it carries a link, and what the sender claims
// to be.
type spamKind struct {
	weight   int
	langs    []string
	subject  map[string][]string
	paras    map[string][][]string
	action   map[string][]string
	link     bool
	brandish bool // the display name borrows a brand
}

var spamBrands = []string{"Microsoft 365", "Office 365", "Outlook Web", "PayPal", "Netflix", "DHL Express", "Amazon", "Apple ID",
	"Norton", "McAfee", "Geek Squad", "Coinbase", "Binance", "DocuSign", "Dropbox", "WeTransfer", "SharePoint", "Adobe Sign",
	"Online Banking", "IT Helpdesk", "Mail Administrator", "Webmail Support", "Security Team", "HMRC", "Belastingdienst",
	"PostNL", "La Poste", "Correos", "Deutsche Post", "Spotify", "Disney+", "E-ZPass", "Revenue Service", "Account Services"}

var spamKinds = []spamKind{
	{ // credential phishing
		weight: 30, langs: []string{"en", "en", "en", "en", "de", "fr", "nl", "es", "pt", "it"}, link: true, brandish: true,
		subject: map[string][]string{
			"en": {"Action required: verify your mailbox", "Your password expires today", "{brand}: unusual sign-in activity", "You have {n} pending messages", "Mailbox storage {pct}% full", "{staff} shared a document with you", "New voicemail from {phone}", "Your account has been limited", "Final notice: account suspension", "Confirm your email to keep receiving messages", "Payment declined - update your billing details", "Security alert for {email}", "Re: signed agreement - please review", "Your {brand} subscription is on hold", "Unusual login attempt blocked"},
			"de": {"Ihr Konto wurde eingeschränkt", "Handlung erforderlich: Konto verifizieren", "Ihr Passwort läuft heute ab", "Sicherheitsüberprüfung erforderlich", "Neue Nachricht in Ihrem Postfach"},
			"fr": {"Votre compte a été suspendu", "Action requise : vérifiez votre compte", "Votre mot de passe expire aujourd'hui", "Alerte de sécurité", "Paiement refusé"},
			"nl": {"Uw account is geblokkeerd", "Actie vereist: verifieer uw account", "Uw wachtwoord verloopt vandaag", "Beveiligingsmelding", "Betaling mislukt"},
			"es": {"Su cuenta ha sido suspendida", "Acción requerida: verifique su cuenta", "Su contraseña caduca hoy", "Alerta de seguridad", "Pago rechazado", "Su buzón está lleno"},
			"pt": {"A sua conta foi bloqueada", "Ação necessária: verifique a sua conta", "A sua senha expira hoje", "Alerta de segurança", "Pagamento recusado"},
			"it": {"Il tuo account è stato sospeso", "Azione richiesta: verifica il tuo account", "La tua password scade oggi", "Avviso di sicurezza", "Pagamento rifiutato"},
		},
		paras: map[string][][]string{
			"en": {
				{"Dear user,", "Hello {email},", "Dear customer,", "Attention,", "Hi,"},
				{"Your mailbox has exceeded its storage quota and {n} incoming messages are on hold.", "Your password for {email} expires today.", "We detected an unusual sign-in to your account from {country}.", "A document has been shared with you and is waiting for your signature.", "Your recent payment could not be processed and your account has been limited.", "We were unable to verify your account information.", "You have a new voicemail message ({dur}).", "Our system flagged your account during a routine security review."},
				{"To avoid suspension, confirm your details within 24 hours.", "Keep your current password by validating your account below.", "If this was not you, secure your account immediately.", "Failure to verify will result in permanent deactivation of your account.", "Sign in to view the document before it expires.", "Restore full access by confirming your identity.", "Your messages will be deleted if no action is taken."},
				{"Thank you for your cooperation.", "This is an automated message, please do not reply.", "We apologise for the inconvenience.", "Regards, Account Team", "{brand} Security"},
			},
			"de": {
				{"Sehr geehrter Kunde,", "Hallo,", "Sehr geehrte Damen und Herren,"},
				{"wir haben ungewöhnliche Aktivitäten in Ihrem Konto festgestellt.", "Ihr Konto wurde aus Sicherheitsgründen vorübergehend eingeschränkt.", "Ihr Postfach hat das Speicherlimit erreicht."},
				{"Bitte bestätigen Sie Ihre Daten innerhalb von 24 Stunden, sonst wird Ihr Konto gesperrt.", "Um Ihren Zugang wiederherzustellen, verifizieren Sie bitte Ihre Identität.", "Aktualisieren Sie jetzt Ihre Daten, um eine Sperrung zu vermeiden."},
				{"Mit freundlichen Grüßen, Ihr Kundenservice", "Vielen Dank für Ihr Verständnis."},
			},
			"fr": {
				{"Cher client,", "Bonjour,", "Madame, Monsieur,"},
				{"nous avons détecté une activité inhabituelle sur votre compte.", "votre compte a été temporairement suspendu pour des raisons de sécurité.", "votre dernier paiement a été refusé."},
				{"Veuillez vérifier votre compte sous 24 heures pour éviter sa fermeture.", "Confirmez vos informations pour rétablir l'accès.", "Sans action de votre part, votre compte sera bloqué."},
				{"Cordialement, le service client", "Merci de votre compréhension."},
			},
			"nl": {
				{"Geachte klant,", "Beste klant,", "Hallo,"},
				{"wij hebben ongebruikelijke activiteit op uw account vastgesteld.", "uw account is tijdelijk geblokkeerd om veiligheidsredenen.", "uw laatste betaling is mislukt."},
				{"Verifieer uw gegevens binnen 24 uur om blokkering te voorkomen.", "Bevestig uw identiteit om de toegang te herstellen.", "Zonder actie wordt uw account definitief gesloten."},
				{"Met vriendelijke groet, Klantenservice", "Bedankt voor uw medewerking."},
			},
			"es": {
				{"Estimado cliente:", "Hola,", "Estimado usuario:"},
				{"Hemos detectado una actividad inusual en su cuenta.", "Su cuenta ha sido limitada temporalmente por motivos de seguridad.", "Su buzón ha superado el límite de almacenamiento y {n} mensajes están retenidos.", "No hemos podido procesar su último pago."},
				{"Verifique sus datos en un plazo de 24 horas para evitar el bloqueo de su cuenta.", "Confirme su identidad para restablecer el acceso.", "Si no realiza esta acción, su cuenta será cancelada de forma permanente."},
				{"Atentamente, el equipo de seguridad", "Gracias por su colaboración."},
			},
			"pt": {
				{"Caro cliente,", "Olá,", "Prezado usuário,"},
				{"Detetámos uma atividade invulgar na sua conta.", "A sua conta foi temporariamente limitada por motivos de segurança.", "A sua caixa de correio atingiu o limite de armazenamento.", "Não foi possível processar o seu último pagamento."},
				{"Confirme os seus dados no prazo de 24 horas para evitar o bloqueio da conta.", "Verifique a sua identidade para recuperar o acesso.", "Sem esta verificação, a sua conta será encerrada."},
				{"Atenciosamente, Equipa de Segurança", "Obrigado pela sua compreensão."},
			},
			"it": {
				{"Gentile cliente,", "Salve,", "Gentile utente,"},
				{"abbiamo rilevato un'attività insolita sul tuo account.", "il tuo account è stato limitato temporaneamente per motivi di sicurezza.", "la tua casella di posta ha superato il limite di spazio.", "il tuo ultimo pagamento non è andato a buon fine."},
				{"Verifica i tuoi dati entro 24 ore per evitare la sospensione dell'account.", "Conferma la tua identità per ripristinare l'accesso.", "Senza verifica, il tuo account verrà chiuso definitivamente."},
				{"Cordiali saluti, il team di sicurezza", "Grazie per la collaborazione."},
			},
		},
		action: map[string][]string{
			"en": {"Verify now", "Review activity", "Keep my password", "View document", "Release messages", "Update billing", "Sign in", "Confirm account", "Listen to voicemail"},
			"de": {"Jetzt verifizieren", "Konto bestätigen", "Daten aktualisieren"},
			"fr": {"Vérifier mon compte", "Confirmer", "Mettre à jour"},
			"nl": {"Nu verifiëren", "Account bevestigen", "Gegevens bijwerken"},
			"es": {"Verificar ahora", "Confirmar cuenta", "Actualizar datos"},
			"pt": {"Verificar agora", "Confirmar conta", "Atualizar dados"},
			"it": {"Verifica ora", "Conferma account", "Aggiorna i dati"},
		},
	},
	{ // parcel, toll and refund fees
		weight: 12, langs: []string{"en", "en", "de", "fr", "nl", "es", "pt", "it"}, link: true, brandish: true,
		subject: map[string][]string{
			"en": {"Your parcel is on hold", "Delivery attempt failed: {track}", "Unpaid toll notice", "You are eligible for a tax refund", "Customs fee required for your package", "Final reminder: outstanding balance {amount}"},
			"de": {"Ihr Paket wartet auf Zustellung", "Zollgebühr ausstehend", "Zustellung fehlgeschlagen"},
			"fr": {"Votre colis est en attente", "Frais de douane à régler", "Échec de livraison"},
			"nl": {"Uw pakket staat in de wacht", "Invoerrechten te betalen", "Bezorging mislukt"},
			"es": {"Su paquete está retenido", "Tasas de aduana pendientes", "Entrega fallida: {track}", "Peaje pendiente de pago"},
			"pt": {"A sua encomenda está retida", "Taxa alfandegária pendente", "Falha na entrega: {track}"},
			"it": {"Il tuo pacco è in giacenza", "Dazi doganali da pagare", "Consegna non riuscita: {track}"},
		},
		paras: map[string][][]string{
			"en": {
				{"Dear customer,", "Hello,", ""},
				{"We could not deliver your parcel {track} because a customs fee of {amount} is unpaid.", "Our records show an unpaid toll of {amount} on your vehicle.", "After the annual calculation of your fiscal activity you are eligible to receive a tax refund of {amount}.", "Your package is held at our depot due to an incomplete address."},
				{"Pay the fee within 48 hours or the parcel will be returned to the sender.", "To avoid a late fee, settle the balance today.", "Submit your refund request and enter your card details to receive the payment.", "Schedule your redelivery and pay the small handling fee online."},
			},
			"de": {{"Sehr geehrter Kunde,", "Hallo,"}, {"Ihr Paket {track} konnte nicht zugestellt werden, da eine Zollgebühr von {amount} offen ist."}, {"Bitte zahlen Sie die Gebühr innerhalb von 48 Stunden, sonst geht das Paket zurück."}},
			"fr": {{"Cher client,", "Bonjour,"}, {"Votre colis {track} n'a pas pu être livré : des frais de douane de {amount} sont impayés."}, {"Réglez les frais sous 48 heures, sinon le colis sera retourné."}},
			"nl": {{"Beste klant,", "Hallo,"}, {"Uw pakket {track} kon niet worden bezorgd omdat er nog {amount} invoerrechten openstaan."}, {"Betaal binnen 48 uur, anders wordt het pakket teruggestuurd."}},
			"es": {{"Estimado cliente:", "Hola,"}, {"No hemos podido entregar su paquete {track} porque hay unas tasas de aduana de {amount} pendientes.", "Consta un peaje impagado de {amount} a nombre de su vehículo."}, {"Abone el importe en un plazo de 48 horas o el paquete será devuelto al remitente.", "Pague hoy para evitar un recargo por demora."}},
			"pt": {{"Caro cliente,", "Olá,"}, {"Não foi possível entregar a sua encomenda {track} porque existe uma taxa alfandegária de {amount} por pagar."}, {"Pague a taxa no prazo de 48 horas, caso contrário a encomenda será devolvida."}},
			"it": {{"Gentile cliente,", "Salve,"}, {"Non è stato possibile consegnare il pacco {track}: risultano dazi doganali non pagati per {amount}."}, {"Paga entro 48 ore, altrimenti il pacco sarà restituito al mittente."}},
		},
		action: map[string][]string{"en": {"Pay now", "Schedule redelivery", "Claim refund", "Pay toll"}, "de": {"Jetzt bezahlen"}, "fr": {"Payer maintenant"}, "nl": {"Nu betalen"}, "es": {"Pagar ahora", "Programar la entrega"}, "pt": {"Pagar agora"}, "it": {"Paga ora"}},
	},
	{ // business email compromise
		weight: 14, langs: []string{"en"},
		subject: map[string][]string{"en": {"Quick request", "Are you available?", "Urgent", "Payment today", "Confidential", "Need your help", "Direct deposit update", "Task"}},
		paras: map[string][][]string{"en": {
			{"Hi {first},", "{first},", "Hello {first},", "Good morning,"},
			{"Are you at your desk? I need a quick favour.", "I'm in a meeting and can't take calls right now.", "I would like to change my direct deposit for the next payroll.", "I need you to process a wire payment to a new vendor today.", "I need to get some gift cards for a few clients as a surprise."},
			{"Can you buy {n} gift cards of {amount} each and send me the codes? Keep this between us for now.", "Let me know what details you need and I will send them over.", "It has to go out before the cut-off this afternoon, I will explain later.", "Reply with your cell number so I can text you the details."},
			{"Thanks,\n{staff}", "Regards,\n{staff}\nChief Executive Officer", "{staff}\nFinance Director"},
		}},
	},
	{ // callback scams
		weight: 10, langs: []string{"en"}, brandish: true,
		subject: map[string][]string{"en": {"Your subscription has been renewed", "Order confirmation #{num}", "Auto-renewal successful", "Receipt for your purchase"}},
		paras: map[string][][]string{"en": {
			{"Dear customer,", "Hello,", "Dear valued member,"},
			{"Your {brand} subscription has been automatically renewed for another year.", "Thank you for your order. Your account has been charged {amount}.", "This is to confirm that {amount} has been deducted from your account for the annual plan."},
			{"Order ID: {num}\nAmount: {amount}\nPayment method: card", "Product: Total Protection (3 devices)\nPrice: {amount}"},
			{"If you did not authorize this charge or wish to cancel, call our billing department at {tollfree}.", "Did not make this purchase? To cancel and claim a refund, contact our helpline at {tollfree} within 24 hours.", "For a refund or to dispute this transaction call us toll free {tollfree}."},
		}},
	},
	{ // sextortion
		weight: 6, langs: []string{"en"},
		subject: map[string][]string{"en": {"I know your secret", "Your device was hacked", "Payment required", "{email}", "You have 48 hours"}},
		paras: map[string][][]string{"en": {
			{"Hello,", "Hi {email},", ""},
			{"I gained access to your device months ago through a malicious link you opened.", "I have installed software on your computer that recorded you through your webcam.", "I know everything about you, I have your contacts and your browsing history."},
			{"While you were visiting adult websites, I made a video of you.", "I have compromising recordings that would be humiliating for you.", "One click and the video goes to all your contacts, friends and family."},
			{"Send {btc} BTC to this bitcoin address: {wallet}", "Pay {amount} in bitcoin to my wallet: {wallet}", "Transfer the equivalent of {amount} in BTC to {wallet}."},
			{"You have 48 hours. Do not go to the police, I will know.", "After payment I will delete everything. This is not a joke.", "Do not tell anyone or the video will be published."},
		}},
	},
	{ // investment, crypto and task scams
		weight: 14, langs: []string{"en", "en", "de"}, link: true,
		subject: map[string][]string{
			"en": {"Earn {amount} a day from home", "Part-time remote job offer", "This token will 10x this week", "Join our VIP trading signals group", "Your crypto account balance: {amount}", "Recover your lost crypto funds", "Guaranteed 3% daily returns"},
			"de": {"Verdienen Sie {amount} am Tag von zu Hause", "Exklusive Krypto-Investition"},
		},
		paras: map[string][][]string{
			"en": {
				{"Hello,", "Hi there,", "Dear friend,", "Good day,"},
				{"Our company is hiring remote assistants to rate products online, 60 minutes a day.", "Our AI trading platform made members {pct}% profit last month.", "A new token launches on Friday and early buyers are already up {pct}%.", "Your account holds {amount} in unclaimed crypto rewards.", "We help victims of online trading fraud recover their funds."},
				{"You earn a commission per task and get paid daily, no experience required.", "Start with a small deposit and withdraw your profits any time.", "Spots are limited, only 50 members will be accepted this week.", "Contact our recruiter on WhatsApp to get started.", "Connect your wallet to claim before the offer ends."},
				{"Best regards, HR Team", "Don't miss this chance!", "Cheers, {staff}"},
			},
			"de": {{"Hallo,"}, {"Unsere KI-Handelsplattform bringt Ihnen täglich garantierte Gewinne."}, {"Starten Sie mit einer kleinen Einzahlung und verdienen Sie sofort."}},
		},
		action: map[string][]string{"en": {"Join now", "Start earning", "Claim rewards", "Open account"}, "de": {"Jetzt starten"}},
	},
	{ // advance fee, romance, loans, cold outreach
		weight: 14, langs: []string{"en", "en", "en", "es", "pt", "it"},
		subject: map[string][]string{"en": {"Partnership proposal", "Hello dear", "Approved: loan offer", "Grow your website traffic", "Re: your business", "Donation for you", "Get your business listed"},
			"es": {"Préstamo aprobado", "Herencia sin reclamar", "Propuesta confidencial", "Donación para usted"},
			"pt": {"Empréstimo aprovado", "Herança não reclamada", "Proposta confidencial", "Doação para si"},
			"it": {"Prestito approvato", "Eredità non reclamata", "Proposta riservata", "Donazione per te"}},
		paras: map[string][][]string{"en": {
			{"Dear friend,", "Hello dear,", "Hi,", "Greetings,"},
			{"I am a widow with a large sum of money that I wish to donate to a trustworthy person.", "I saw your profile and I feel we have a connection, I am lonely and looking for a serious relationship.", "Your loan of {amount} has been pre-approved at 2% interest, no credit check.", "I noticed your website is not ranking on the first page of Google.", "I am a lawyer representing a late client who shares your surname and left {amount} unclaimed."},
			{"Reply with your full name, address and phone number to proceed.", "Write to me at my private email and I will send you my photos.", "We guarantee first-page rankings within 30 days for a small monthly fee.", "A processing fee is required before the funds can be released.", "Reply YES to receive the agreement."},
			{"Yours faithfully,\n{staff}", "Kisses, {first}", "Regards,\n{staff}\nSEO Consultant", "God bless you."},
		},
			"es": {
				{"Estimado amigo:", "Hola,", "Saludos,"},
				{"Soy abogado de un cliente fallecido que comparte su apellido y dejó {amount} sin reclamar.", "Su préstamo de {amount} ha sido preaprobado al 2% de interés, sin consultar su historial.", "Soy una viuda con una gran suma de dinero que deseo donar a una persona de confianza."},
				{"Responda con su nombre completo, dirección y número de teléfono para continuar.", "Se requiere una pequeña tasa de gestión antes de liberar los fondos.", "Escríbame a mi correo privado para recibir los detalles."},
				{"Atentamente,\n{staff}", "Que Dios le bendiga."},
			},
			"pt": {
				{"Caro amigo,", "Olá,", "Saudações,"},
				{"Sou advogado de um cliente falecido que tem o mesmo apelido que você e deixou {amount} por reclamar.", "O seu empréstimo de {amount} foi pré-aprovado com juros de 2%, sem consulta de crédito.", "Sou viúva e tenho uma grande quantia que desejo doar a uma pessoa de confiança."},
				{"Responda com o seu nome completo, morada e telefone para avançarmos.", "É necessária uma pequena taxa de processamento antes da libertação dos fundos.", "Escreva para o meu e-mail privado para receber os detalhes."},
				{"Atenciosamente,\n{staff}", "Deus o abençoe."},
			},
			"it": {
				{"Caro amico,", "Salve,", "Saluti,"},
				{"Sono l'avvocato di un cliente defunto che porta il suo cognome e ha lasciato {amount} non reclamati.", "Il suo prestito di {amount} è stato preapprovato al 2% di interesse, senza verifiche.", "Sono una vedova con una grande somma di denaro che desidero donare a una persona fidata."},
				{"Risponda con nome completo, indirizzo e numero di telefono per procedere.", "È richiesta una piccola spesa di pratica prima dello svincolo dei fondi.", "Mi scriva al mio indirizzo privato per ricevere i dettagli."},
				{"Cordiali saluti,\n{staff}", "Dio la benedica."},
			},
		},
	},
}

var spamCountries = []string{"Russia", "Nigeria", "Brazil", "Vietnam", "Romania", "an unknown device", "China", "Ukraine"}

// fraud writes one synthetic fraud message.
func (g *synthGen) fraud() []byte {
	total := 0
	for _, k := range spamKinds {
		total += k.weight
	}
	x := g.r.IntN(total)
	var K spamKind
	for _, k := range spamKinds {
		if x < k.weight {
			K = k
			break
		}
		x -= k.weight
	}
	lc := g.pick(K.langs)
	L := synthLangs[lc]
	if L.first == nil {
		L = synthLangs["en"]
	}
	brand := g.pick(spamBrands)
	first := g.pick(L.first)
	local := emailLocal(first)
	email := local + "." + emailLocal(strings.ReplaceAll(g.pick(L.last), " ", "")) + "@" + g.pick([]string{"example.org", "example.com", "example.net"})
	vars := map[string]string{
		"{brand}": brand, "{first}": first, "{staff}": fullName(lc, g.pick(L.first), g.pick(L.last)), "{email}": email,
		"{n}": fmt.Sprint(2 + g.r.IntN(40)), "{pct}": fmt.Sprint(80 + g.r.IntN(20)), "{num}": g.ref(), "{track}": g.tracking(),
		"{amount}": g.money(lc, 1.5+g.r.Float64()*g.pick1([]float64{5, 400, 900, 5000, 2e6})),
		"{phone}":  g.phone(lc), "{tollfree}": fmt.Sprintf("+1 (%s) %03d-%04d", g.pick([]string{"800", "833", "844", "855", "866", "877", "888"}), g.r.IntN(1000), g.r.IntN(10000)),
		"{country}": g.pick(spamCountries), "{dur}": fmt.Sprintf("0:%02d", 10+g.r.IntN(50)),
		"{btc}": fmt.Sprintf("0.%02d", 5+g.r.IntN(90)), "{wallet}": g.wallet(),
	}
	fill := func(s string) string {
		for k, v := range vars {
			s = strings.ReplaceAll(s, k, v)
		}
		return s
	}
	subject := fill(g.pick(K.subject[lc]))
	var paras []string
	for _, group := range K.paras[lc] {
		if p := fill(g.pick(group)); p != "" {
			paras = append(paras, p)
		}
	}
	// Senders: a throw-away domain, a free-mail address or a look-alike.
	words := []string{"secure", "account", "verify", "online", "service", "support", "portal", "update", "login", "center", "mail", "web", "alert", "help", "notice", "info", "global", "cloud", "team", "desk"}
	dom := g.pick(words) + g.pick([]string{"-", ""}) + g.pick(words) + fmt.Sprint(g.r.IntN(100))
	if g.chance(0.5) {
		dom = strings.TrimRight(dom, "0123456789")
	}
	dom += g.pick([]string{".com", ".net", ".info", ".top", ".xyz", ".online", ".site", ".click", ".ru", ".cn", ".co"})
	sender := g.pick([]string{"no-reply", "support", "security", "admin", "service", "billing", "info", "alert", local}) + "@" + dom
	if g.chance(0.25) {
		sender = local + fmt.Sprint(g.r.IntN(1000)) + "@" + g.pick([]string{"gmail.com", "outlook.com", "yahoo.com", "hotmail.com", "proton.me", "mail.ru"})
	}
	fromName := vars["{staff}"]
	if K.brandish && g.chance(0.8) {
		fromName = brand
	}
	link := ""
	if K.link {
		path := g.pick([]string{"/login", "/verify", "/secure/auth", "/account/update", "/doc/view", "/pay", "/claim", "/?id=" + g.token(), "/wp-includes/" + g.token() + ".php"})
		host := dom
		switch g.r.IntN(5) {
		case 0:
			host = fmt.Sprintf("%d.%d.%d.%d", 20+g.r.IntN(200), g.r.IntN(256), g.r.IntN(256), 1+g.r.IntN(254))
		case 1:
			host = g.pick([]string{"bit.ly", "tinyurl.com", "t.co", "is.gd", "rb.gy", "cutt.ly"})
			path = "/" + g.token()[:7]
		case 2:
			host = strings.ToLower(strings.Fields(brand)[0]) + "-" + g.pick(words) + g.pick([]string{".com", ".net", ".online", ".top"})
		}
		link = "https://" + host + path
	}
	action := ""
	if link != "" {
		action = g.pick(K.action[lc])
	}

	var plain, html strings.Builder
	for _, p := range paras {
		plain.WriteString(p + "\n\n")
	}
	if link != "" {
		fmt.Fprintf(&plain, "%s: %s\n", action, link)
	}
	html.WriteString("<html><body>")
	for _, p := range paras {
		fmt.Fprintf(&html, "<p>%s</p>", strings.ReplaceAll(p, "\n", "<br>"))
	}
	if link != "" {
		text := action
		if g.chance(0.4) {
			// The link text names the brand's site, the link goes elsewhere.
			text = "https://www." + strings.ToLower(strings.Fields(brand)[0]) + ".com/account"
		}
		fmt.Fprintf(&html, `<p><a href="%s" style="background:#0067b8;color:#fff;padding:10px 20px">%s</a></p>`, link, text)
	}
	html.WriteString("</body></html>")

	var b strings.Builder
	fmt.Fprintf(&b, "From: %s <%s>\r\n", fromName, sender)
	fmt.Fprintf(&b, "To: %s\r\n", email)
	if g.chance(0.2) {
		fmt.Fprintf(&b, "Reply-To: %s%d@%s\r\n", local, g.r.IntN(100), g.pick([]string{"gmail.com", "outlook.com", "proton.me", "yandex.com"}))
	}
	fmt.Fprintf(&b, "Subject: %s\r\n", subject)
	fmt.Fprintf(&b, "Date: %s\r\n", time.Date(2024+g.r.IntN(3), time.Month(1+g.r.IntN(12)), 1+g.r.IntN(28), g.r.IntN(24), g.r.IntN(60), 0, 0, time.UTC).Format(time.RFC1123Z))
	fmt.Fprintf(&b, "Message-ID: <%s@%s>\r\n", g.token(), dom)
	b.WriteString("MIME-Version: 1.0\r\n")
	switch f := g.r.IntN(10); {
	case f < 4 || link == "":
		b.WriteString("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n")
		b.WriteString(crlf(plain.String()))
	case f < 7:
		bd := "b_" + g.token()
		fmt.Fprintf(&b, "Content-Type: multipart/alternative; boundary=\"%s\"\r\n\r\n", bd)
		fmt.Fprintf(&b, "--%s\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n%s\r\n", bd, crlf(plain.String()))
		fmt.Fprintf(&b, "--%s\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n%s\r\n--%s--\r\n", bd, crlf(html.String()), bd)
	default:
		b.WriteString("Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n")
		b.WriteString(crlf(html.String()))
	}
	return []byte(b.String())
}

// wallet returns a random string shaped like a Bitcoin address.
func (g *synthGen) wallet() string {
	const b58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
	if g.chance(0.4) {
		const b32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
		b := []byte("bc1q")
		for range 38 {
			b = append(b, b32[g.r.IntN(len(b32))])
		}
		return string(b)
	}
	b := []byte{"13"[g.r.IntN(2)]}
	for range 33 {
		b = append(b, b58[g.r.IntN(len(b58))])
	}
	return string(b)
}
