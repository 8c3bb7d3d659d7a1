// Package scoring decides how spammy one message's content is, and says why.
// It owns: reading any RFC 5322 message (MIME → text, links, images,
// attachments, the headers that matter), the content signals, the token
// classifier (its training, its embedded default model, learning from review
// decisions), the combined score and verdict, and the near-duplicate
// fingerprint used for campaign detection. It knows nothing of tenants, SMTP
// or HTTP; tenant context adjusts the decision elsewhere (review, smtpd).
//
// # Parsing
//
// Parse never fails and never panics: go-message reads the MIME structure
// (legacy charsets registered by go-message/charset; undeclared 8-bit text is
// read as Latin-1), golang.org/x/net/html's tokenizer extracts the visible
// text of HTML parts (script, style, head and elements hidden by CSS or the
// hidden attribute are dropped, and so is text coloured like its background:
// white on white, or on an explicitly set background of nearly the same
// colour; hidden text is kept apart), links with their
// visible text, and images; attachments are typed by their magic bytes (PE,
// ELF, scripts, zip with the names inside, OOXML/OLE with VBA macros, PDF...)
// rather than by their declared type. Whatever cannot be read (unreadable
// header, unknown charset, bad base64/QP, broken boundary, limits reached) is
// listed in Message.Problems, the message is Malformed, and it is scored on
// what was read. Work and memory are bounded: 256 KiB of header, 1 MiB of
// decoded text per part and 2 MiB in all, 100 parts, 8 levels of nesting,
// 500 links, 64 KiB of each attachment for sniffing.
//
// # Signals
//
// Each signal is a small function of the parsed message returning a weight
// (0 = silent) and a detail a person can act on (signalDefs in signals.go):
//
//	lexicon_investment, _crypto, _lottery, _pharma, _adult, _marketing,
//	_phishing, _bec  phrase lists by category (matched by token hash);
//	               phishing includes quota, expiring-password, shared-
//	               document, voicemail, parcel-fee and tax-refund wording
//	               and the same in German, French, Spanish, Dutch and
//	               Portuguese (tax refund in nine languages); bec is gift
//	               cards, wires, new bank details (up to 5 for five
//	               distinct phrases: a whole gift-card script holds)
//	payment_diversion  a bank reference ("bank details", "IBAN", "direct
//	               deposit", "Bankverbindung"...) within six words of a word
//	               of change ("changed", "new", "neue"...), not negated
//	               nearby ("no change to", "we will never ask you to
//	               change", "fraudsters claim"), in a message about paying
//	               (3; twelve languages): the costliest BEC
//	qr_code_lure   "scan" near "QR code" with an image, and phishing or
//	               urgency wording (3): quishing, whose link a reader or
//	               filter cannot check; a QR code alone (tickets, payment
//	               codes on invoices) weighs nothing
//	extortion      two threat phrases ("recorded you", "all your
//	               contacts") and crypto-currency words; a wallet address
//	               in the text adds 1.5
//	callback_scam  a charge the reader never made ("been charged", "did
//	               not authorize"), a way out ("call our", "to cancel"),
//	               a phone number and at most two links; toll-free +1
//	urgency        "act now", "expires", "within 24 hours"...
//	money          amounts ($5,000, €500) and money words, 3 or more
//	shouting       subject in capitals, body ≥40% capitals, "!!!"
//	obfuscation    zero-width characters in words, Latin mixed with
//	               Cyrillic/Greek look-alikes, l33t (v1agra, p4ypal)
//	link_text_ratio          many links, few words
//	url_shortener            bit.ly, tinyurl.com, ...
//	ip_link                  http://185.23.4.9/, also decimal/hex forms
//	lookalike_domain         paypa1.com, amazon-billing.example,
//	                         paypal.com.evil.example, punycode; and a
//	                         sender's "cousin" domain (cousinDomain): one
//	                         letter from a recipient's domain or one the
//	                         text names (examp1e-corp.com writing to
//	                         example-corp.com), or spelling the name the
//	                         message signs with with a look-alike letter
//	                         (northgate-packaglng.co signing "Northgate
//	                         Packaging"); hyphens and TLDs not counted,
//	                         and a name the text also spells as the
//	                         domain does is the sender's own
//	link_text_mismatch       "link text says paypal.com, link goes to
//	                         185.23.4.9" (weak for click-tracking redirects,
//	                         strong when the target is an IP, a shortener,
//	                         a look-alike, or the text names a brand or a
//	                         government site (gov, gouv.fr, gov.tr, go.jp)
//	                         and the link is not a known tracking service)
//	open_redirect            a link through a site unrelated to the sender
//	                         whose query carries a URL of a third site
//	                         (redirect.php?target=https%3A%2F%2F...; 2):
//	                         the harmless-looking site is what a reader
//	                         sees; the sender's own and known e-mail
//	                         service, search, social and mail-security
//	                         redirectors do not count
//	many_link_domains        6 or more registrable domains
//	dangerous_attachment     executables, archives holding them, macros,
//	                         documents whose bytes are an archive or program
//	                         (8, 5 for macros); a "#!" script under a name
//	                         no system runs on opening ("swasort", not
//	                         ".sh" or ".bat") weighs 3: a mail reader shows
//	                         it as text, so it cannot hold mail alone;
//	                         a web page (.html, .htm, .svg, .mht) weighs 3,
//	                         5 under a document's name (invoice.pdf.html)
//	                         or when it acts on its own (script, a form,
//	                         a refresh or location redirect, onload: an
//	                         SVG "remittance" that sends the browser to a
//	                         sign-in page): today's carrier of fake
//	                         sign-in forms
//	hidden_text              text styled invisible or coloured like its
//	                         background (inline colours only: an element
//	                         with a class may get a background from a
//	                         stylesheet, so it is not judged against the
//	                         default white page)
//	html_only, image_only    structure
//	bulk_no_unsubscribe      bulk mail (Precedence, removal wording,
//	                         newsletter HTML) without List-Unsubscribe
//	from_impersonation       display name naming a brand or another domain
//	reply_to_divert          Reply-To to another domain (free mail: stronger)
//	random_tag               machine-made tags: subject padded with spaces
//	                         before a tag, 7099ocYT9-style tokens, random
//	                         sender names (weak alone: booking references
//	                         look alike)
//	malformed                what could not be read
//	bayes                    the classifier, see below
//
// The signals of commercial mail in general (lexicon_marketing, money,
// urgency, bulk_no_unsubscribe, shouting, html_only) together add at most 2:
// their weights are scaled down when they add up to more, and the detail says
// so. Honest invoices and newsletters have prices, "click here", deadlines
// and HTML too; the 2002 corpus's hard_ham marketing newsletters scored 10–14
// on them and set the 0.1% threshold. With the cap (4 training seeds,
// 10-fold): AUC 0.99906 → 0.99926, spam caught at 0.1% ham 86.7% → 88.6%,
// no ham at reject (before: 1 in 2 of the 4 runs), spam held about the same
// (912–916 → 908–915 of 973); caps of 1 and 1.5 caught 0.1 point more at
// 0.1% and held 5–10 spam fewer, 2.5 was between.
//
// The score is the sum of all signal weights; Result.Signals lists every
// non-zero one, the classifier's included, sorted by weight. Verdict: hold at
// Options.HoldThreshold (default 5), reject at Options.RejectThreshold
// (default 14: in cross-validation no ham reached it while 60% of spam did;
// everything between is held for a person). Scoring is deterministic.
//
// # Classifier
//
// Logistic regression on hashed (2^22 buckets, signed: each feature adds
// its weight times a sign drawn from its hash, so two features sharing a
// bucket cancel on average instead of adding up), binary features in two
// blocks, each L2-normalised (the n-gram block to 0.7 against the words' 1,
// the whole to 1), trained with AdaGrad (10 epochs, fixed shuffle seed).
// Word block: body words and word pairs, subject words, From display-name
// words, link domains, TLDs and URL path words, and a few structural facts
// (HTML only, images, attachment types, links to the sender's own domain or
// not). N-gram block: the distinct character 3-, 4- and 5-grams of the
// subject's and body's words with their ends marked ("<fre", "ree>"), from
// the first 32 KiB of tokens (tokens.go, addGrams). Digits are folded to 9,
// homoglyphs to Latin, zero-width characters dropped, in both blocks.
// Explanations name words only: n-grams do not read well.
// Received, Message-ID, Date, X-Mailer and list headers are deliberately not
// read: in the 2002 development corpus they name the hosts and tools of that
// time, which a model would learn and which do not carry over.
//
// Why logistic regression: on the corpus with 5-fold cross-validation and the
// same features, multinomial/Bernoulli naive Bayes (Laplace α 0.1–1) reached
// AUC 0.9917–0.9973 and caught 36–65% of spam at 0.1% ham flagged; logistic
// regression reached AUC 0.9993 and 86–93%. The weights are 16 MiB of
// float32 in memory; the embedded model file (model/default.model, ~1.56 MB
// with 2^22 signed buckets, 1.15 MB with 2^20, 0.8 MB before the n-grams:
// deflated, int16-quantised, non-zero weights only; dropping weights below
// 1e-3 instead of 1e-4 saved only 1%)
// is regenerated with
//
//	outpost train ../shared/corpus --out scoring/model/default.model
//
// (or go test ./scoring -run TestTrainDefaultModel -args -train-default).
// Model files say how they hash and what they read (format version 4:
// n-grams, signed, with the origin (see Lessons and upgrades); 3: the same
// without it; 2: n-grams, unsigned, 2^20 buckets; 1: words only): an
// older file (e.g. --model FILE, or a store without a lesson journal) is
// still read and scored the way it was trained, and Learn keeps its format;
// a stored model of an older default is replaced by the new default with
// its lessons taught again (Lessons and upgrades, below). Changing the
// n-grams, the hashing or gramWeight needs a retrained model.
// Scorer.Learn applies plain SGD steps to one message until it sits on the
// right side with a margin, then saves the model through the ModelStore
// (FileStore here; a SQL store lives with the database code). When the store
// is a ModelUpdater (both are) the lesson is applied to the newest stored
// model under the store's lock and the result becomes the live model, so
// instances learning from decisions at once keep each other's lessons
// instead of the last save winning.
//
// Lessons and upgrades (lessons.go): Learn also writes each lesson to the
// store's journal (a LessonJournal: FileStore's ".lessons" file, outpost's
// scoring_lessons table) as the message's feature hashes, before they are
// folded into buckets or signed, so the journal holds no text and its
// lessons fit any hashed space. Every stored model records its origin, the
// default model it descends from (format version 4; older files are given
// the origin of their format's default). A Scorer whose stored model has
// another origin than the embedded default starts from the default, teaches
// it the journal's lessons again in order, and stores it (Upgraded says so;
// outpost serve logs it). Without a journal, or when it cannot be read, the
// stored model stays: lessons are never dropped silently. Lessons of
// another feature extraction (lessonFeatures) are skipped and counted. The
// journal keeps the newest DefaultMaxLessons (20,000, ~140 MB).
//
// Combination: the classifier's log-odds are clamped to ±6 and doubled
// (Options.BayesWeight, BayesClamp), so the classifier alone can hold a
// message but never reject it (12 < 14): a reject needs corroborating
// signals. This matters because the corpus's ham is personal and list mail
// of 2002, unlike the platform's mail (see Business mail below). The content
// signals keep their own weights. A short message that no content signal
// finds suspect has its spam-ward log-odds scaled by the evidence,
// √(word features / 80) below 80 word features (scorer.go, shortFeatures;
// the bayes detail says "a short message: counted ×0.67"): six honest
// lines of a café receipt are too little to hold on word statistics alone.
// Cross-validated on the corpus (`outpost
// eval --folds 10 --seed N ../shared/corpus`, N = 1..6, seed 1 also in
// TestCrossValidation; 973 spam, 2,050 ham of which 120 hard_ham; 800
// synthetic business messages added to each fold's training, never scored;
// the table is from before the synthetic frauds, see Modern fraud):
//
//	                             mean of seeds 1–6     seed 1 (default)
//	ROC AUC                      0.99929 (0.99914–38)  0.99931
//	spam caught at 1% ham        98.7% (98.5–99.0)     99.0% (14 of the 20 ham above are hard_ham)
//	spam caught at 0.1% ham      91.4% (88.8–93.8)     92.9% (both ham above are hard_ham)
//	at hold 5                    93.3% of spam,        93.2%; 3 ham, all hard_ham
//	                             3–4 ham, all hard_ham
//	                             (4–5 before the script
//	                             weighting, see below)
//	at reject 14                 57.2% of spam; no ham 57.6%; no ham
//
// (Per seed at 0.1%: 92.9, 93.8, 93.0, 89.4, 88.8, 90.7; before the
// short-message scaling 92.9, 93.8, 93.1, 89.5, 88.8, 90.7, 91.5%: one spam
// fewer above the line with seeds 3 and 4, the same spam held, 897–916.)
//
// Before the character n-grams, seeds 1–6: AUC 0.9992, 98.4% at 1%, 89.0%
// at 0.1% (89.6, 89.4, 87.2, 88.2, 89.4, 90.4; after: 92.9, 93.8, 93.1,
// 89.5, 88.8, 90.7), about as many spam held (908) and rejected (564), 5–6
// ham held.
//
// Before the synthetic business mail and the commercial cap (below): AUC
// 0.9992, 98.5% at 1% (17 hard_ham above), 88.7% at 0.1%, 94.0% held with 7
// ham (6 hard_ham), 60.2% rejected. The 0.1% figure is decided by the third
// highest of 2,050 ham and moves by ±3 points with the training shuffle seed
// alone; over seeds 1–4 it averages 88.3% for the old configuration, 86.7%
// with synthetic mail alone and 88.6% with synthetic mail and the cap (AUC
// 0.99913, 0.99906, 0.99926). Without the synthetic mail (--synthetic 0) the
// current code reaches AUC 0.9993 and 89.6% at 0.1% as well: the synthetic
// mail costs the corpus about 0.4 points at 0.1% over four seeds.
//
// The 0.1% goal (95%) is not reached: 91.4% over six seeds. The three ham
// on top are hard_ham marketing newsletters (an investment newsletter, a
// software vendor's offer, a browser launch; with some seeds a tech-news or
// an airline newsletter); the spam just below the line reads like them
// (stock tips, offers, business proposals, foreign-language ads) or is too
// short to judge (5–35 features: one-line HTML, image-only mail). Reaching
// 95% means catching ~35 more spam with no more than two ham above them;
// what still tells many of them apart is probably who sent them (senders,
// list headers), which the classifier deliberately does not read.
//
// A personal message with a Unix script attached ("#!/bin/tcsh", file
// name "swasort") used to be held (5.0) as an executable
// whatever its words, and was the second or third ham in every run. A
// "#!" file only runs if its name makes the recipient's system run it
// (.sh, .bat, .ps1... stay at 8), so such scripts now weigh 3 (see
// Signals): 8 seeds, 92.02% → 92.29% at 0.1%, ham held 4.1 → 3.1, the
// same spam held.
//
// Measured for the 0.1% goal (experiment_test.go: go test ./scoring -run
// TestExperiment -v -experiment=NAME[,NAME...] -exp-seeds N, names in
// xapply; 10-fold, mean over training seeds 1–4 unless said, baseline
// 88.6%, AUC 0.99926):
//
//   - character n-grams (adopted): 3–5 grams at n-gram weight 1, 93.2%
//     (92.7% over 8 seeds against 89.2%), AUC unchanged; 3–4 92.6%,
//     4–5 91.4%, 2–5 92.5%, 3–6 92.5%, 4 only 91.8%, weight 0.5 91.8%,
//     weight 2 92.7%. In the product (experiment prod, -exp-gw W) weight
//     1 reached 92.7% and held testdata/business/receipt.eml (a
//     six-line café receipt: 36 word features, 233 n-grams, which alone
//     added 1.6 to its log-odds; score 5.2); weight 0.7 gives 92.3% and
//     4.75 for it, 0.5 91.4% and 4.1. 0.7 is kept; the receipt remains
//     the highest-scoring business message;
//   - log-count instead of binary values: words 90.1%; with n-grams 92.7%
//     (both blocks) or 93.0% (n-grams only), not better than binary;
//   - training, with n-grams: 20 epochs 92.0%, 20 with decaying rate
//     92.9%, 10 decaying 92.6%, 5 epochs 92.8%, L2 1e-6 91.4% (10 ham
//     held), rate 2 92.6% (AUC 0.9989), ham weight 2 92.8% (fewer ham
//     held: 2.8, but 5 spam fewer held); without n-grams: L2 1e-4 84.3%,
//     1e-6 89.0%, rate 0.5 88.9%, rate 2 90.1%, decaying rate 88.9%;
//   - a learnt combination (stacking, nested: a second logistic regression
//     over the clamped log-odds, the commercial and the other signals' sums
//     and the strongest signal, trained on out-of-fold log-odds of an inner
//     5-fold split of each outer training set): 92.5% against 93.7% for
//     the hand weights on the same two seeds. It also weighs signals by a
//     corpus that lacks most of today's tricks, so it is not used;
//   - classifier weight and clamp with n-grams (2.5/5, 3/4.5, 3/4, 1.5/6
//     against 2/6): 92.7–93.0%, no gain; 3/4.5 rejects 783 spam instead
//     of 571, none of them ham, but the reject would then rest mostly on
//     the classifier;
//   - second round (experiment2_test.go; product features, n-grams at 0.7,
//     8 seeds, baseline 92.02%, AUC 0.99930, 907 spam held, 4.1 ham):
//     URL structure in the word block (link-count and domain-count
//     buckets, bare/www/other host, host and path depth, file extension,
//     query parameter names and count, scheme, port, userinfo, bare/
//     URL-text/word-text links) 92.18% (4 seeds: 92.68 against 92.47);
//     with sender consistency (links all/most/some/none on the From
//     domain, images likewise, Reply-To same address/same domain/free
//     mail/other) 92.15%, consistency alone 92.42% on 4 seeds; a feature
//     count bucket 91.78% on 4 seeds. All within the seeds' noise (per
//     seed -0.7 to +0.7), so no feature was added;
//   - scaling the classifier's spam-ward log-odds by √(n/N0) for short
//     messages (n word features below N0) whose content signals add less
//     than 1: N0 60 92.12%, 80 92.07%, 100 91.91% (3.5 ham held instead of
//     4.1, 4–5 spam fewer held), linear instead of √ 91.3–91.7%; with no
//     content signal at all, N0 80: 91.97%, the same 907 spam and 4.1 ham
//     held. That last one is adopted (see Combination): it costs nothing
//     measurable and takes the café receipt from 4.75 to 3.19;
//   - third round (experiment3_test.go): the shape of the header, never
//     its names, as features: which fields are present, Message-ID shape
//     (on the From domain or not, the local part's character classes),
//     From shape, top-level MIME type, transfer encoding and charset
//     class, X-Mailer/User-Agent words, and the order of header fields
//     (pairs of consecutive field names, trace and list fields left out).
//     With the product's random folds they reach the goal: in the word
//     block 94.6% (8 seeds); as a block of their own at weight 0.7 or 1,
//     95.7–95.9%, AUC 0.9997, 1–1.6 ham held. They are NOT used, because
//     folds by sender (below) show what they learn: which software the
//     corpus's ham senders used. With every sender kept out of the model
//     that scores it, the same features hold 53–78 ham instead of 12 and
//     lower AUC (0.9959 → 0.9917–0.9933); Message-ID shape alone 18,
//     header order alone 33, X-Mailer words 13. Mail from a sender the
//     model has never seen, which is all the mail outpost is judged on,
//     would be held for its mail client. The 0.1% goal is therefore still
//     open: what reaches it on this corpus does not carry over;
//   - fourth round (experiment4_test.go; product features and short-
//     message scaling, 4 seeds, random folds / folds by sender: 92.65% /
//     83.92% at 0.1%, AUC 0.99937 / 0.99644, 3.2 / 8.5 ham held):
//     weighting each training message by n^-a for n messages of its
//     sender (a mailing list's 300 posts no longer teach its vocabulary as
//     ham), a 0.3–1, by sender 78.7–80.6% at 0.1% on 3 seeds against
//     78.9%, 12 → 13.7–16 ham held; words and 3–5-grams of link host
//     names (what an unseen spam domain says, "cheap-meds-online") 92.34
//     / 83.66%; without the link-domain features 92.65 / 83.89%; without
//     the From display name's words 91.73 / 83.68%. All within the seeds'
//     noise, none adopted: with these features and this corpus the linear
//     model looks saturated;
//   - fifth round (experiment5_test.go; the product with the synthetic
//     frauds, 6 seeds; random folds / folds by sender): collisions in the
//     hashed space. With 2^20 unsigned buckets, 92.84% / 73.30% at 0.1%,
//     AUC 0.99940 / 0.99679, 9.8 ham held by sender. Wider spaces: 2^22
//     93.90% (every seed higher), 2^23 94.04%, 2^24 94.33%; by sender
//     AUC 0.99712–0.99722, 95.3–95.5% at 1% against 94.8%. Signed hashing
//     (Weinberger et al., 2009) gets the same from 2^20 (93.94%, AUC
//     0.99940 / 0.99697), and 2^22 signed is the best by sender (AUC
//     0.99725, 95.70% at 1%, 10.7 ham held). Adopted: 2^22, signed (see
//     Senders the model has never seen for the product's figures). Costs:
//     16 MiB of weights instead of 4, the model file 1.56 MB instead of
//     1.15, scoring 15–25% slower (cache misses on the larger table; see
//     Performance). Also measured, without gain: dropping the features
//     that only one training message carries (92.27% at 2^20, 93.25% at
//     2^22: the rare features help), character 3–5- or 4-grams running
//     across word boundaries (93.0%, alone or beside the word grams),
//     with 2^22 signed: n-gram weight 1 93.08%, 5 or 20 epochs 92.94 /
//     93.61%, ham weight 2 93.41%, short-message scaling that ignores
//     html_only 93.63%;
//   - sixth round (experiment6_test.go; the product as shipped, 6 seeds,
//     random folds, baseline 93.90%, AUC 0.99945, 3.3 ham held): NB-weighted
//     features (NBSVM, Wang & Manning 2012: each bucket scaled in each fold
//     by the |log ratio| of its presence in training spam and ham) 91.74%,
//     normalised again 90.75%, √|r| normalised 91.85% (4–8 ham held); body
//     word trigrams 93.92%; the words of quoted lines ("> ...") in a
//     namespace of their own 93.51%; the mean log-odds of the product and a
//     second model on the word block alone 92.33% (AUC 0.99953, 98.97% at
//     1%: better at 1%, worse at 0.1%) or on the n-grams alone 91.57%. None
//     adopted. The three ham on top stay the CuteFTP, Netscape and CNET
//     newsletters whatever the model reads of their text. After the
//     Spanish, Portuguese and Italian synthetic mail (baseline 93.32%, 569
//     spam rejected): the commercial signals (after their cap) counted 0,
//     0.5 or 1.5 times, 93.88 / 93.76 / 92.93% at 0.1%, ham held 1.5 / 2.5 /
//     5.5, spam held 905 / 912 / 923, spam rejected 230 / 347 / 635. They
//     lift the top newsletters as much as the spam (the ranking gains half a
//     point without them, within the seeds' noise) and carry most rejects,
//     so they stay at 1;
//   - seventh round (the product, 6 seeds, random folds, baseline 94.19%,
//     AUC 0.99946): each feature in two buckets of the 2^22 (a second hash,
//     each at 1/√2: what a count-min sketch does against collisions)
//     93.68%, AUC 0.99934, 4.0 ham held. Not adopted;
//   - earlier, without gain: class weights for ham, subject word pairs,
//     HTML tag features, all-caps word features, averaging models of
//     several shuffles or the weights of the last epochs, more epochs.
//
// # Senders the model has never seen
//
// The folds above are drawn from the corpus order, so most messages are
// scored by a model that was trained on other mail of the same sender (the
// same lists, the same newsletters, the same spam runs). outpost is judged
// on mail from senders outside the corpus, and the platform's tenants are
// such senders too. `outpost eval --folds 10 --by-sender` (and
// CrossValidateBySender) keeps every registrable From domain in one fold,
// so no message is scored by a model that saw its sender. Seeds 1–6, the
// product before the synthetic frauds and the signed 2^22 hashing (see
// Modern fraud for the figures since):
//
//	                         random folds          folds by sender
//	ROC AUC                  0.99932               0.99635 (0.99508–0.99687)
//	spam caught at 1% ham    98.75%                94.25% (92.5–95.1)
//	spam caught at 0.1% ham  91.44% (88.8–93.8)    81.6% (62.6–88.0)
//	ham held at 5            3.5 (hard_ham)        8.5 (6–11, most hard_ham)
//	ham rejected at 14       0                     0
//
// That is the honest estimate for unseen mail, and the measure every
// change to the features should also pass: the header-shape features
// (third round above) gained four points with random folds and multiplied
// the ham held by five with folds by sender. TestCrossValidationBySender
// keeps a floor under it (seed 1: AUC 0.99795, 95.9% at 1%, 10 ham held;
// before the Spanish, Portuguese and Italian synthetic mail 0.99798, 96.1%,
// 9; before the signed 2^22 hashing 0.99687, 95.1%, 8).
// The 0.1% figure by sender rests on one or two ham and swings by 25
// points with the training seed alone. With seed 1 its top three ham are
// one MSN group member's three posts of a work-from-home pitch
// (hard_ham/00076, 00078, 00079, From hotmail.com, 11–14 points): one
// sender sets the line, which is why it moves so much.
//
// On this corpus the hand-weighted signals move AUC little (they lift the
// 0.1% catch by about a point with n-grams, 85% to 90% before); they are
// kept for the general case: the corpus lacks today's phishing, crypto,
// shortener and attachment tricks that the signals name.
//
// # Modern fraud
//
// The corpus is of 2002 and the synthetic training ham is honest business
// mail, so the classifier reads today's frauds (credential phishing, BEC,
// callback scams) as business mail: on testdata/modern (written for
// outpost, see its README) it gave a Microsoft 365 phish -8 for its words
// against +6.5 of impersonation and a lying link, and 22 of 40 frauds
// passed, all 35 honest messages too. Three changes: the two below, then
// synthetic frauds in training (further below).
//
//   - the signals above (lexicon_bec, extortion, callback_scam, more
//     phishing wording, web-page attachments);
//   - deception and fraud signals (fraudSignals in scorer.go: the phishing,
//     bec, extortion and callback signals, link_text_mismatch,
//     from_impersonation, lookalike_domain, ip_link, url_shortener,
//     hidden_text, obfuscation, dangerous_attachment; later also
//     payment_diversion, qr_code_lure and open_redirect) adding up to 4
//     (fraudFloor) are not lowered by the classifier: its ham-ward vote
//     means "reads like business mail", which is what a fraud imitates.
//     No corpus ham reaches 4 on them (the most is 3.5, CNET newsletters
//     sent under a brand name from another domain with a tracking link).
//
// testdata/modern: 18 of 40 frauds held before, 20 with the new signals,
// 22 with the floor as well; every honest message still passes
// (TestModernMail keeps both). Cross-validation, seed 1, before → after: random folds AUC
// 0.99931 → 0.99941, 99.0 → 99.08% at 1%, 92.9 → 92.91% at 0.1%, 3 → 3
// ham held; by sender AUC 0.99687 → 0.99701, 95.1 → 95.17% at 1%, 8 → 8
// ham held. testdata/holdout, written separately and never tuned on, is
// the estimate: see its README.
//
// Then synthetic frauds in training (synthspam.go, DefaultSyntheticSpam
// 250, the counterpart of the synthetic business ham: credential
// phishing in four languages, parcel and toll fees, BEC, callback scams,
// sextortion, task, crypto and advance-fee pitches; only the languages the
// synthetic ham also writes, and none of the frauds that borrow an honest
// invoice's words, see synthspam.go). Seed 1, signals and floor → with
// the synthetic frauds as well:
//
//	                          random folds        folds by sender
//	ROC AUC                   0.99941 → 0.99937   0.99700 → 0.99747
//	spam caught at 1% ham     99.08 → 98.77%      95.17 → 95.48%
//	spam caught at 0.1% ham   92.91 → 93.22%      78.93 → 85.61%
//	ham held at 5             3 → 4               8 → 10 (all hard_ham)
//	testdata/modern           22 → 33 of 40 frauds held, 35 of 35 honest pass
//	testdata/business         46 of 46 pass (highest 3.2 → 4.6)
//
// Seeds 1–6, before → after the synthetic frauds (the product as shipped
// now; `outpost eval --folds 10 [--by-sender] --seed N ../shared/corpus`):
//
//	                          random folds          folds by sender
//	ROC AUC                   0.99932 → 0.99938     0.99635 → 0.99690
//	spam caught at 1% ham     98.75 → 98.67%        94.25 → 94.98%
//	spam caught at 0.1% ham   91.44 → 93.30%        81.6 → 73.7%
//	                          (92.9–94.2 by seed)   (57.6–85.6 by seed)
//	ham held at 5             3.5 → 3.2             8.5 → 8.3
//	ham rejected at 14        0 → 0                 0 → 3 in 6 runs
//
// The by-sender 0.1% figure is set by one sender's three posts (Senders the
// model has never seen) and swings by 28 points with the seed; two of those
// posts (hard_ham/00076, 00078, a work-from-home pitch posted to an MSN
// group) are now rejected by seed 3 and one by seed 5: they score 12–14.5
// with or without the synthetic frauds, now a little higher. Every other
// figure improved or held.
//
// Counts of 150, 250, 400 and 800 were tried; the figures move by a point
// or two with the count alone (each draws other messages), 250 was the
// best on the corpus by sender and 400–800 held a Spanish neighbours'
// notice while Spanish was still generated. The end-to-end attack test
// (cmd/outpost) caught the first version: its bank-detail BEC and invoice-
// table callback scams made honest trial invoices score 2.7, above what
// the template rule explains, and three honest shops formed a campaign.
//
// testdata/holdout (80 messages written separately, never tuned on; only
// reported): frauds held 18 of 40 before this work, 21 with the signals and
// floor, 28 with the synthetic frauds; honest messages held 1 of 40 in all
// three (a Portuguese family message: the classifier has seen no
// Portuguese ham); AUC 0.861 → 0.915 → 0.948; frauds above the highest
// honest score 10 → 16 → 24.
//
// Then the wider, signed hashed space (2^22 buckets; Classifier, fifth
// round). Seeds 1–6, 2^20 unsigned → 2^22 signed, the product as shipped
// now:
//
//	                          random folds          folds by sender
//	ROC AUC                   0.99938 → 0.99946     0.99690 → 0.99725
//	spam caught at 1% ham     98.67 → 98.79%        94.98 → 95.60%
//	spam caught at 0.1% ham   93.30 → 93.97%        73.7 → 70.3%
//	                          (92.8–95.2 by seed)   (57.7–87.1 by seed)
//	spam held at 5 (after)    919 of 973            904 of 973
//	ham held at 5             3.2 → 3.3             8.3 → 10.3
//	ham rejected at 14        0 → 0                 3 → 7 in 6 runs
//	testdata/modern           33 → 34 of 40 frauds held, 35 of 35 honest pass
//	testdata/holdout          28 of 40 frauds held, 1 of 40 honest held;
//	                          AUC 0.948 → 0.951
//	testdata/business         46 of 46 pass (highest 4.6 → 4.4)
//
// The ranking improved in both kinds of folds; by sender the model is a
// little bolder at the fixed thresholds: about two more of 2,050 ham held,
// and the rejected ham are the same MSN-group pitch posts (00076, 00078;
// 14.0–14.3: 12 from the classifier and 2.2 from marketing, money,
// phishing wording and a Reply-To to free mail) plus once a CNET reseller
// newsletter (hard_ham/00049, 15.5). Not counting the commercial signals
// towards a reject would spare them, and would turn 300 of the 510 spam
// rejected by sender into held mail for a person to read, so it was not
// done. The by-sender 0.1% figure still swings with the seed on those
// posts.
//
// Then Spanish, Portuguese and Italian (synth_langs.go): the synthetic
// business ham and three kinds of synthetic fraud (credential phishing,
// parcel and toll fees, advance fee and loans) are written in them too,
// together, so the classifier learns what honest and fraudulent mail say
// in those languages rather than that the language is rare. Before, the
// corpus's few Romance-language messages were mostly spam, and honest
// mail in them leaned spam-ward on that alone (a Portuguese family message
// in testdata/holdout held at 7.3, the Spanish invoice of testdata/business
// at 2.4). The gap was seen on the hold-out set, so its figures after this
// change are a little optimistic. Seeds 1–6, before → after:
//
//	                          random folds          folds by sender
//	ROC AUC                   0.99946 → 0.99946     0.99725 → 0.99723
//	spam caught at 1% ham     98.79 → 98.84%        95.60 → 95.70%
//	spam caught at 0.1% ham   93.97 → 93.61%        70.3 → 66.0%
//	                          (91.4–96.5 by seed)   (42.1–86.3 by seed)
//	spam held at 5            919 → 917 of 973      904 → 908 of 973
//	ham held at 5             3.3 → 3.5             10.3 → 9.7
//	ham rejected at 14        0 → 0                 7 → 8 in 6 runs
//	testdata/modern           34 of 40 frauds held, 35 of 35 honest pass
//	testdata/holdout          28 → 31 of 40 frauds held, 1 → 0 of 40
//	                          honest held; AUC 0.951 → 0.962
//	testdata/business         46 of 46 pass (highest 4.4 → 4.3; the
//	                          Spanish invoice 2.4 → -5.4)
//
// On the corpus the change is within the seeds' noise (the 0.1% figure
// moves by ±2.5 points with the seed alone); on mail in those languages it
// is the difference between passing and being held. More synthetic ham
// (1,000 instead of 800) cost the corpus 1.2 points at 0.1% (harness, 6
// seeds) and was not kept.
//
// Then Polish, Turkish, Japanese, Chinese and Korean (synth_langs_pltr.go,
// synth_langs_cjk.go; ham of every kind, phishing and parcel-fee frauds),
// and donation receipts in English. Honest messages written for the check
// before the generator wrote those languages (now in testdata/business)
// showed how much it mattered: the model held a Japanese shop's order
// confirmation at 10.9 and a Chinese shipping notice and a Korean dental
// reminder at 12, the most the classifier can give, because every CJK
// message in the corpus is spam; a Turkish reminder scored 3.7 and later,
// with another draw of synthetic mail, 5.0. After: -6.8, -5.2, 3.5; Turkish
// -6.7, Polish -4.3. English keeps 6 of the 20 language slots (about a
// third of the synthetic ham); 12 of 26 did a little worse in the harness
// (by sender AUC 0.99687 against 0.99715). Seeds 1–6, from before the
// Spanish step → after both steps:
//
//	                          random folds          folds by sender
//	ROC AUC                   0.99946 → 0.99946     0.99725 → 0.99699
//	spam caught at 1% ham     98.79 → 98.82%        95.60 → 95.13%
//	spam caught at 0.1% ham   93.97 → 94.19%        70.3 → 73.2%
//	                          (93.1–95.5 by seed)   (59.4–85.9 by seed)
//	spam held at 5            919 → 919 of 973      904 → 907 of 973
//	ham held at 5             3.3 → 2.5             10.3 → 12.0 (9–15)
//	ham rejected at 14        0 → 0                 7 → 6 in 6 runs
//	testdata/modern           34 of 40 frauds held, 35 of 35 honest pass
//	testdata/holdout          28 → 29 of 40 frauds held, 1 → 0 of 40
//	                          honest held; AUC 0.951 → 0.960
//	testdata/business         51 of 51 pass (highest 3.5, the Korean
//	                          reminder)
//
// The cost is by sender: the one more ham held on average are short items
// of one RSS feed (ham/00972–01227, rssfeeds@, a few lines and a
// newsisfree.com click link each), held 0–8 at a time when that sender is
// kept out of training; `outpost eval` now lists every ham held, not
// only hard_ham, which is how they were found.
//
// What still passed then was mostly short business email compromise (no
// link, no brand, a plausible colleague), phishing in languages the
// training never saw (Arabic; the Turkish tax-refund phish), and pitches
// that read like an honest offer.
//
// Then signals for the tricks the hold-out set's misses showed, each a
// general pattern of today's fraud, none a word list of one message:
// payment_diversion (bank details said to have changed, in twelve
// languages, negation-aware), cousin domains in lookalike_domain (the
// sender's domain a letter away from the recipient's or the thread's, or
// misspelling the name the mail signs with), open_redirect, qr_code_lure,
// active web pages and SVG images as attachments (5 instead of 3), link
// text naming a government site (3.5, as for a brand), more phished brands
// (QuickBooks, Xero, SharePoint, OneDrive, WeTransfer, posts and couriers,
// banks and wallets), "tax refund" in nine languages, and lexicon_bec up to
// 5 for five distinct phrases. Corpus ham that trips them: open_redirect
// on five 2002 newsletters (CNET through cnet.com to zdnet.com, an ESP's
// click links), so it leaves out mail with List-Unsubscribe or List-Id and
// links through the sender's own name under another TLD; nothing else.
// Seeds 1–6, before → after:
//
//	                          random folds          folds by sender
//	ROC AUC                   0.99946 → 0.99949     0.99699 → 0.99711
//	spam caught at 1% ham     98.82 → 98.92%        95.13 → 95.32%
//	spam caught at 0.1% ham   94.19 → 94.37%        73.2 → 73.3%
//	                          (93.2–95.7 by seed)   (59.6–86.0 by seed)
//	spam held at 5            919 → 921 of 973      907 → 909 of 973
//	ham held at 5             2.5 → 2.5             12.0 → 12.0
//	ham rejected at 14        0 → 0                 6 → 6 in 6 runs
//	testdata/modern           34 → 35 of 40 frauds held, 35 of 35 honest
//	testdata/holdout          29 → 35 of 40 frauds held, 0 of 40 honest;
//	                          AUC 0.960 → 0.998 (tuned on now: optimistic)
//	testdata/holdout2         24 → 28 of 40 frauds held, 1 → 1 of 40
//	                          honest; AUC 0.939 → 0.966
//	testdata/business         51 of 51 pass
//
// testdata/holdout2 is the honest estimate now: 80 messages (half frauds,
// half honest, 19 and 20 of them in 17 languages besides English) written
// by a helper that saw neither the scorer's code nor the other sets, before
// the signals above, and never looked at for tuning. The honest message
// it holds is a Chinese company's holiday notice (10.7, on the
// classifier alone: "公司", "安全", "时间" read as spam, the corpus's
// Chinese being all spam); the frauds that pass are parcel and bank-card
// notices in Italian and Dutch (one a QR code without pressure wording), a
// Brazilian boleto, a Spanish streaming phish, a German tax-office phish,
// a KYC update in Hindi, a Russian crypto pitch, a German customs fee
// (4.9), a dating lure, a pump-and-dump with hidden text and SEO cold
// outreach.
//
// # Business mail
//
// The corpus's ham is personal and list mail of 2002 with almost no invoices,
// receipts, order confirmations or reminders, so a classifier trained on it
// alone reads "invoice", "order", "total", "payment due", "your account" as
// spam, and honest transactional mail was held on its word statistics alone
// (testdata/business/receipt.eml 6.9, otp.eml 7.3, appointment.eml 5.9).
// Training therefore adds synthetic honest business mail as ham (synth.go,
// SyntheticHam: invoices, quotes, order and shipping confirmations,
// receipts, appointment and payment reminders, password resets, sign-in
// codes, account notices, welcome mails, renewals, bookings, support
// replies and newsletters with List-Unsubscribe; English, Dutch, French,
// German, Spanish, Portuguese, Italian, Polish, Turkish, Japanese,
// Chinese, Korean; donation receipts in English; plain, HTML or both; random
// businesses, people, amounts, dates and domains; deterministic). TrainConfig.Synthetic (default
// DefaultSynthetic = 800; `outpost train|eval --synthetic N`, 0 for none)
// sets how many; cross-validation adds them to every fold's training set and
// never scores them.
//
// testdata/business holds 51 honest messages written by hand, never trained
// on and not used to choose the generator's wording: 11 first ones, then 35
// written after the generator as a held-out set (plumber, SaaS billing and
// dunning, school, music school in French, sports and rowing clubs,
// accountants in English and German, webshops in German, French and Dutch,
// dentists in German and Dutch, vet, garage, hosting, freelancer, library,
// restaurant, insurer, coworking newsletter, physiotherapist, candle shop
// promotion, winery newsletter in German, invoice sent through a billing
// platform, theatre tickets, pizza order, bank sign-in code, charity
// donation receipt, rent statement, job application, and in languages the
// generator did not write then: a Spanish invoice, an Italian dentist; the
// previous model held 8 of the 46, the charity receipt at 7.6). One of them,
// otp.eml, scored 3.4 (passing, but the highest of the set) and showed the
// generator had no sign-in codes; that kind was added, so otp.eml is no
// longer held out. The Spanish invoice and the Italian dentist, written
// before the generator wrote those languages, went from 2.4 and -0.2 to
// -5.4 and -4.0 when it did (Modern fraud). Five more were written when
// the generator's languages grew further: a Polish accountant's invoice,
// a Turkish dentist's reminder, a Japanese shop's order confirmation, a
// Chinese coffee roaster's shipping notice and a Korean dentist's
// reminder, before the generator wrote those languages; the model of the
// time held the Japanese, Chinese and Korean ones at 10.9, 12 and 12 (the
// corpus's CJK mail is all spam) and passed the Polish and Turkish ones at
// 0.7 and 3.7. charity-donation.eml, the highest of the set for a long
// time (3.7–5.5 as the synthetic mail changed; 5.5 held it once), showed
// the generator had no donation receipts; that kind was added (English),
// so it is no longer held out either. TestBusinessMailPasses requires all
// 51 to pass; with the default model the highest are ko-appointment.eml
// (3.5), charity-donation.eml (2.5) and rent-statement.eml (1.5).
// receipt.eml (36 features: a short message with few words to go on) was
// the highest for a while, 4.75 with the character n-grams before the
// short-message scaling (see Combination; TestShortMessageEvidence keeps
// it at 3.5 or below); most are below -3.
//
// Because the classifier now reads invoice wording as honest, a content signal
// strong enough to hold a message by itself (an executable attachment, an
// Office macro) is no longer talked down by it: the classifier could lower
// such a score to the hold threshold, not below (testdata/attachment.eml, a
// "statement" whose PDF is a Windows program, was held at 5.0 rather than
// passed at 2.0). The fraud floor (Modern fraud above) replaced that rule:
// the classifier does not lower such a score at all (8.0 now).
//
// The cost: the classifier no longer finds invoice and delivery wording
// spammy, so fake invoices and parcel notices rest on the content signals.
// Three phishing messages written for the check (not kept): a "DHL" customs
// fee with a bit.ly link went from 11.6 to 6.0 (still held), a "Microsoft"
// sign-in check with an IP link from 18.7 to 16.2 (still rejected), an
// unbranded "invoice overdue" linking to another domain from 4.1 to -0.4
// (passed before and after). A signal for payment wording whose links all
// leave the sender's domain is not there yet: honest mail links to carriers
// and payment providers too, and it needs measuring on real customer mail.
//
// Measured and not adopted: scaling the classifier's positive contribution by
// the evidence for every message (number of features, n/N0 below N0 = 60,
// 100, 150; before the n-grams) cost 1–3 points of the 0.1% catch and 8–18
// held spam on the corpus (the adopted form is √, and only when no content
// signal speaks, see Classifier); letting every content-signal sum ≥
// hold floor the score held 27 hard_ham; weighting the synthetic examples
// (0.25, 0.5), more epochs, more L2 and other learning rates did not help.
//
// # Fingerprint
//
// FingerprintText is a 64-bit SimHash over consecutive word pairs of the
// normalised text (subject and visible body): lower case, homoglyphs folded,
// and dropped: words with digits, dots or @ (numbers, prices, tracking links,
// addresses), Capitalised words (names, greetings), stop words; a small
// synonym table folds words spammers swap (buy/purchase/order, cheap/low...).
// Similarity(a, b) is the share of equal bits. SameCampaign = 54/64 ≈ 0.844
// (at most 10 bits differ): generated copies of four campaigns with random
// names, numbers, tracking links, synonyms and whitespace never fell below
// 0.89, different campaigns never rose above 0.58, and of the 4.3 million
// pairs of distinct corpus messages 0.01% reach the threshold (real
// near-duplicates among them: issues of one newsletter, runs of one spam).
// Platform templates (invoices, password resets) are near-identical by
// design, so campaign detection must not rely on similarity alone.
//
// # prose
//
// github.com/jdkato/prose/v2 is not on the hot path: on a 2 KB body its
// tokenizer (tagging, extraction and segmentation off) takes ~60 µs and 257
// allocations (ours: ~3 µs, none), and its sentence segmenter ~10 ms per
// document (it reloads its model each time).
// No signal needs sentences badly enough to pay that within the ~0.3 ms
// budget per message; see BenchmarkTokenizeProse and BenchmarkSentencesProse.
//
// # Performance
//
// GOMAXPROCS=1 go test ./scoring -run XXX -bench . (one core of a 2-core
// machine shared with other builds; msgs/cpu-s is the rate per CPU second of
// the process, honest when the wall clock is not): BenchmarkScoreCorpus
// ~7,900 messages/s per CPU second (~126 µs per message, garbage collection
// included; ~9,800–10,500 measured the same hour before the character
// n-grams, which cost ~25 µs), 358 allocations and 35 KB per message;
// measured again after the fraud signals on a machine also running a CI
// run's aftermath, 6,000–6,300 (157–165 µs, 358–366 allocations; the
// session before, on the same kind of machine, 6,670 without them), so
// they cost at most a few µs; BenchmarkScoreInvoice (the relay
// benchmark's 4 KB plain-text invoice) ~54 µs, 74 allocations, 14 KB;
// BenchmarkScoreLarge1MB ~10 ms per 1 MB message, p99 ~15-19 ms;
// BenchmarkFingerprint ~2.3 µs for a 500-byte text; BenchmarkParse ~22 µs for
// a small two-part message. (Before the work below: 190 µs, 420
// allocations, 52 KB; 145 µs for the invoice; 17 ms for 1 MB.)
// The 2^22 signed hashed space (Classifier, fifth round) costs ~12% over
// the corpus, measured back to back on an idle machine: 2^20 6,520–6,630
// messages/s per CPU second (150–152 µs), 2^22 5,660–5,980 (166–176 µs),
// the same 360 allocations; the weight table no longer fits the caches.
// On that (slower) day the invoice took ~100 µs with either, 1 MB 10.7–11.2
// ms, p99 16.7–17.6 ms. The payment-diversion, cousin-domain,
// open-redirect and QR signals, measured back to back with the code before
// them: 6,120–6,485 against 6,454–6,778 messages/s per CPU second (−4%),
// the same allocations on the invoice (74; the bank and QR places go in a
// fixed buffer of the analysis, the lexicon's own categories are a bit
// set), 1 MB 8.9 ms, p99 12.6–13.7 ms.
//
// Score reads the text once: one tokenizer pass gives the classifier's word
// and pair features and character n-grams, the lexicon's word hashes and the
// fingerprint's words
// (featurizer.scoreFeatures; TestScorePassMatchesReference holds it to
// extract, analyze and FingerprintText). Features are deduplicated with a
// hash set before a radix sort; parts are read into pooled buffers with the
// read sizes of bytes.Buffer (a base64 body with padding in the middle decodes
// differently otherwise); HTML attributes are read without a map, entity-free
// text without copies; registrable answers from a small lock-free cache.
// What is left is mostly go-message's header parsing and the HTML
// tokenizer's allocations. reference_test.go keeps the first versions of the
// functions that were made faster, as oracles for tests and fuzz targets.
package scoring
