package scoring

// Polish and Turkish wording for the synthetic honest business mail of
// synth.go, and the same languages for the two most common frauds of
// synthspam.go (credential phishing, parcel fees).
//
// Both languages inflect nouns (and Turkish adds suffixes), so the text
// puts placeholders where their plain form fits: after a label ("Numer
// przesyłki: {track}"), before a noun that takes the ending ("{num}
// numaralı fatura", "{date} tarihinde"), or, for Polish months, in the
// genitive the date format needs ("do końca {month}"). Polish addresses
// the reader as "Państwo", which does not depend on gender; Turkish uses
// the polite "siz" throughout.

func init() {
	synthLangs["pl"] = synthLang{
		greet:     []string{"Dzień dobry {first},", "Witaj {first},", "Dzień dobry {name},", "Witamy {name},", "Dzień dobry, {first} {last},", "Witaj, {first},"},
		greetAnon: []string{"Dzień dobry,", "Szanowni Państwo,", "Szanowny Kliencie,", "Witamy,"},
		close:     []string{"Pozdrawiam,", "Z poważaniem,", "Serdecznie pozdrawiamy,", "Dziękujemy i pozdrawiamy,", "Z wyrazami szacunku,", "Pozdrawiamy,"},
		first:     []string{"Anna", "Piotr", "Katarzyna", "Tomasz", "Magdalena", "Paweł", "Agnieszka", "Michał", "Joanna", "Krzysztof", "Monika", "Marcin", "Ewa", "Łukasz"},
		last:      []string{"Nowak", "Wójcik", "Kowalczyk", "Woźniak", "Mazur", "Krawczyk", "Kaczmarek", "Zając", "Król", "Wieczorek", "Wróbel", "Dudek", "Adamczyk", "Pawlak", "Sikora"},
		items:     []string{"Konsultacja (1 godz.)", "Abonament miesięczny", "Pakiet roczny", "Robocizna", "Dojazd", "Przegląd roczny", "Usługa sprzątania", "Koszt wysyłki", "Kawa ziarnista 1 kg", "Składka członkowska", "Lekcja indywidualna", "Hosting strony", "Odnowienie domeny", "Część zamienna", "Karta podarunkowa", "Opieka nad stroną internetową", "Przegląd kotła gazowego", "Higienizacja zębów", "Chleb na zakwasie", "Pokój dwuosobowy (2 noce)", "Obsługa księgowa (kwartał)", "Naprawa roweru", "Wymiana oleju"},
		services:  []string{"przegląd", "wizyta kontrolna", "konsultacja", "higienizacja", "fizjoterapia", "lekcja", "wizyta serwisowa", "strzyżenie", "badanie wzroku"},
		months:    []string{"stycznia", "lutego", "marca", "kwietnia", "maja", "czerwca", "lipca", "sierpnia", "września", "października", "listopada", "grudnia"},
		total:     "Razem", vat: "VAT", qty: "Ilość",
		footer: []string{
			"{biz} · {street} · {city} · NIP {num}",
			"{biz}, {street}, {city}. KRS {num}",
			"Pytania? Prosimy o kontakt pod numerem {phone} lub odpowiedź na tę wiadomość.",
			"{biz}\n{street}\n{city}\ntel. {phone}",
			"{biz} | {phone} | {domain}",
		},
		unsub: "Wypisz się",
		kinds: map[string]synthText{
			"invoice": {
				subject: []string{"Faktura {num} od {biz}", "Faktura nr {num}", "Nowa faktura do opłacenia: {num}", "Faktura {num} – termin płatności {date}"},
				intro:   []string{"W załączeniu przesyłamy fakturę nr {num} na kwotę {amount}.", "Przesyłamy fakturę za usługi wykonane do końca {month}.", "Dziękujemy za współpracę. Faktura nr {num} na kwotę {amount} jest już dostępna."},
				extra:   []string{"Prosimy o zapłatę w ciągu {days} dni, z numerem faktury w tytule przelewu.", "Kwota zostanie pobrana z Państwa rachunku w dniu {date}.", "Płatności można dokonać przelewem na rachunek wskazany na fakturze.", "W razie pytań dotyczących faktury prosimy o odpowiedź na tę wiadomość."},
				action:  []string{"Faktura online:", "Pobierz fakturę:", "Zobacz i opłać fakturę:"},
				items:   true,
				link:    []string{"/faktury/{num}", "/konto/faktury/{num}.pdf", "/rozliczenia/faktura?id={num}"},
			},
			"quote": {
				subject: []string{"Oferta nr {num}", "Wycena od {biz}", "Oferta: {product}", "Przesyłamy obiecaną wycenę"},
				intro:   []string{"Dziękujemy za zapytanie. W załączeniu przesyłamy ofertę nr {num}.", "Zgodnie z ustaleniami z wizyty w dniu {date} przygotowaliśmy wycenę prac.", "Koszt zlecenia wraz z materiałami wynosi {amount} brutto."},
				extra:   []string{"Oferta jest ważna przez {days} dni.", "Podane ceny zawierają VAT.", "Jeśli oferta jest dla Państwa odpowiednia, prosimy o odpowiedź, a ustalimy termin realizacji.", "Chętnie dostosujemy zakres prac do Państwa potrzeb."},
				action:  []string{"Zobacz ofertę:", "Zaakceptuj ofertę online:"},
				items:   true,
				link:    []string{"/oferty/{num}", "/oferty/{num}/akceptacja"},
			},
			"order": {
				subject: []string{"Potwierdzenie zamówienia nr {num}", "Dziękujemy za zamówienie", "Przyjęliśmy Państwa zamówienie {num}", "Zamówienie {num} – {biz}"},
				intro:   []string{"Dziękujemy za zamówienie. Właśnie przygotowujemy je do wysyłki.", "Otrzymaliśmy Państwa zamówienie nr {num} z dnia {date}.", "Potwierdzamy przyjęcie zamówienia. Poniżej znajduje się jego podsumowanie."},
				extra:   []string{"Gdy paczka zostanie nadana, wyślemy wiadomość z numerem przesyłki.", "Adres dostawy: {street}, {city}", "Płatność: karta zakończona na {four}", "Przewidywana data dostawy: {date}", "Zamówienie można zmienić do momentu wysyłki."},
				action:  []string{"Szczegóły zamówienia:", "Historia zamówień:"},
				items:   true,
				link:    []string{"/zamowienia/{num}", "/konto/zamowienia/{num}"},
			},
			"shipping": {
				subject: []string{"Zamówienie {num} zostało wysłane", "Państwa paczka jest w drodze", "Informacja o wysyłce zamówienia {num}"},
				intro:   []string{"Zamówienie zostało dziś nadane za pośrednictwem firmy {carrier}.", "Paczka z zamówieniem {num} jest w drodze. Przewidywana data doręczenia: {date}.", "Przesyłka opuściła dziś nasz magazyn. Przewoźnik: {carrier}."},
				extra:   []string{"Numer przesyłki: {track}", "W przypadku nieobecności kurier spróbuje doręczyć paczkę następnego dnia roboczego.", "Część produktów może zostać dostarczona w osobnej paczce.", "Doręczenie trwa zwykle od 1 do 3 dni roboczych."},
				action:  []string{"Śledź przesyłkę:", "Status przesyłki:"},
				link:    []string{"/sledzenie/{track}", "/zamowienia/{num}/przesylka"},
			},
			"receipt": {
				subject: []string{"Potwierdzenie płatności – {biz}", "Dziękujemy za płatność", "Potwierdzenie nr {num}", "Otrzymaliśmy wpłatę w kwocie {amount}"},
				intro:   []string{"Dziękujemy za płatność. Poniżej znajduje się potwierdzenie transakcji.", "W dniu {date} otrzymaliśmy wpłatę w kwocie {amount}. Dziękujemy.", "Dziękujemy za zakupy. Ta wiadomość stanowi potwierdzenie płatności."},
				extra:   []string{"Metoda płatności: karta zakończona na {four}", "Prosimy zachować tę wiadomość.", "Nie są wymagane żadne dalsze działania."},
				action:  []string{"Pobierz potwierdzenie:", "Historia płatności:"},
				items:   true,
				link:    []string{"/platnosci/{num}", "/konto/platnosci"},
			},
			"appointment": {
				subject: []string{"Potwierdzenie wizyty {date}, godz. {time}", "Przypomnienie o wizycie", "Termin wizyty: {date}", "Wizyta – {biz}"},
				intro:   []string{"Potwierdzamy Państwa wizytę w dniu {date} o godz. {time}.", "Przypominamy o zaplanowanej wizycie: {service}, {date}, godz. {time}.", "Zarezerwowaliśmy termin {date}, godz. {time}. Rodzaj wizyty: {service}."},
				extra:   []string{"Jeśli termin nie odpowiada, prosimy o informację co najmniej 24 godziny wcześniej.", "Prosimy o przybycie 10 minut przed wyznaczoną godziną.", "Prosimy zabrać ze sobą dokument tożsamości.", "Kontakt telefoniczny: {phone}", "Parking znajduje się za budynkiem."},
				action:  []string{"Zmień lub odwołaj wizytę:", "Dodaj do kalendarza:", "Szczegóły wizyty:"},
				link:    []string{"/wizyty/{num}", "/rezerwacja/{num}/zmiana"},
			},
			"payreminder": {
				subject: []string{"Przypomnienie: faktura {num}", "Termin płatności faktury {num}", "Uprzejme przypomnienie o płatności"},
				intro:   []string{"Uprzejmie przypominamy, że faktura nr {num} na kwotę {amount} nie została jeszcze opłacona.", "Termin płatności faktury nr {num} na kwotę {amount} upływa w dniu {date}.", "Według naszych danych faktura nr {num} z terminem płatności {date} pozostaje nieopłacona."},
				extra:   []string{"Jeśli płatność została już wykonana, prosimy zignorować tę wiadomość.", "W razie pytań dotyczących faktury prosimy o kontakt.", "Fakturę można opłacić przelewem lub online.", "Dziękujemy za terminowe regulowanie płatności."},
				action:  []string{"Opłać online:", "Zobacz fakturę:"},
				link:    []string{"/faktury/{num}/platnosc", "/platnosc/{num}"},
			},
			"reset": {
				subject: []string{"Resetowanie hasła", "Prośba o zmianę hasła", "Nowe hasło do konta w {biz}"},
				intro:   []string{"Otrzymaliśmy prośbę o zresetowanie hasła do Państwa konta.", "Aby ustawić nowe hasło do konta w serwisie {biz}, prosimy skorzystać z poniższego linku."},
				extra:   []string{"Link jest ważny przez 60 minut.", "Jeśli to nie Państwo wysłali tę prośbę, można zignorować tę wiadomość. Hasło nie zostanie zmienione.", "Ze względów bezpieczeństwa link można wykorzystać tylko raz."},
				action:  []string{"Ustaw nowe hasło:", "Zresetuj hasło:"},
				link:    []string{"/haslo/reset?token={token}", "/konto/reset/{token}"},
			},
			"account": {
				subject: []string{"Zmiana adresu e-mail w koncie", "Nowe logowanie do konta", "Dane konta zostały zaktualizowane", "{biz}: zmiana ustawień konta"},
				intro:   []string{"W dniu {date} zmieniono adres e-mail przypisany do Państwa konta.", "W dniu {date} odnotowaliśmy logowanie z nowego urządzenia (lokalizacja: {city}).", "Dane Państwa konta zostały zaktualizowane w dniu {date}."},
				extra:   []string{"Jeśli to Państwo dokonali tej zmiany, nie trzeba nic robić.", "Jeśli nie rozpoznają Państwo tej aktywności, prosimy o kontakt z naszym działem obsługi klienta.", "Ustawienia konta można w każdej chwili sprawdzić po zalogowaniu."},
				action:  []string{"Ustawienia konta:", "Sprawdź aktywność konta:"},
				link:    []string{"/konto/bezpieczenstwo", "/ustawienia"},
			},
			"welcome": {
				subject: []string{"Witamy w {biz}", "Konto zostało założone", "Dziękujemy za rejestrację", "Konto w {biz} jest gotowe"},
				intro:   []string{"Dziękujemy za założenie konta w {biz}. Rejestracja została zakończona.", "Konto jest już aktywne i można z niego korzystać od zaraz."},
				extra:   []string{"Instrukcje znajdą Państwo na naszej stronie pomocy.", "W razie pytań wystarczy odpowiedzieć na tę wiadomość.", "Login: {email}"},
				action:  []string{"Zaloguj się:", "Rozpocznij:", "Uzupełnij profil:"},
				link:    []string{"/logowanie", "/start", "/konto/profil"},
			},
			"newsletter": {
				subject: []string{"Nowości od {biz}", "Newsletter {biz} – początek {month}", "Co słychać w {biz}", "Nowości w sklepie w tym miesiącu"},
				intro:   []string{"Oto najnowsze wiadomości od zespołu {biz}.", "Przesyłamy krótkie podsumowanie tego, co u nas słychać na początku {month}.", "Mamy dla Państwa kilka nowości z ostatnich tygodni."},
				extra:   []string{"W dniu {date} sklep będzie nieczynny.", "Nowe godziny otwarcia: od poniedziałku do soboty, 9:00–18:00.", "W dniu {date} organizujemy warsztaty, liczba miejsc jest ograniczona.", "W ofercie pojawił się nowy produkt: {product}.", "Dziękujemy wszystkim, którzy odwiedzili nas podczas dnia otwartego.", "Więcej informacji znajdą Państwo na naszym blogu."},
				action:  []string{"Czytaj więcej na naszej stronie:", "Zobacz nowości:", "Zapisz się na warsztaty:"},
				link:    []string{"/blog", "/aktualnosci", "/wydarzenia", "/sklep/nowosci"},
			},
			"renewal": {
				subject: []string{"Subskrypcja odnowi się {date}", "Odnowienie abonamentu", "Potwierdzenie odnowienia subskrypcji", "Informacja o odnowieniu planu"},
				intro:   []string{"Państwa subskrypcja zostanie automatycznie odnowiona w dniu {date} w cenie {amount}.", "Dziś odnowiliśmy Państwa plan i obciążyliśmy kartę zakończoną na {four} kwotą {amount}.", "Zbliża się termin odnowienia planu rocznego ({date}). Opłata wyniesie {amount}."},
				extra:   []string{"Plan można zmienić lub anulować w dowolnym momencie w ustawieniach konta.", "Jeśli chcą Państwo dalej korzystać z usługi, nie trzeba nic robić.", "Faktura będzie dostępna w panelu klienta."},
				action:  []string{"Zarządzaj subskrypcją:", "Dane płatności:"},
				link:    []string{"/subskrypcja", "/konto/platnosci"},
			},
			"booking": {
				subject: []string{"Potwierdzenie rezerwacji nr {num}", "Dziękujemy za rezerwację", "Rezerwacja na {date}"},
				intro:   []string{"Dziękujemy za rezerwację na {date}. Serdecznie zapraszamy.", "Zarezerwowaliśmy stolik dla {guests} osób na {date}, godz. {time}.", "Rezerwacja nr {num} została potwierdzona. Data przyjazdu: {date}."},
				extra:   []string{"Zameldowanie jest możliwe od godziny 15:00.", "Bezpłatna anulacja jest możliwa do 48 godzin przed przyjazdem.", "Prosimy o wcześniejszą informację o alergiach pokarmowych.", "Śniadanie serwujemy w godzinach 7:00–10:30."},
				action:  []string{"Zarządzaj rezerwacją:", "Szczegóły rezerwacji:"},
				link:    []string{"/rezerwacje/{num}", "/rezerwacja/{num}"},
			},
			"support": {
				subject: []string{"Re: Państwa zapytanie ({product})", "Zgłoszenie nr {num}", "Odpowiedź na zgłoszenie {num}"},
				intro:   []string{"Dziękujemy za wiadomość. Sprawdziliśmy sprawę, o którą Państwo pytali ({product}).", "Status zgłoszenia nr {num} został zaktualizowany.", "Przepraszamy za opóźnienie w odpowiedzi i dziękujemy za cierpliwość."},
				extra:   []string{"Część zamienna jest dostępna i wyślemy ją jeszcze dziś.", "Koszt wysyłki zwróciliśmy na Państwa konto.", "Jeśli mają Państwo dodatkowe pytania, wystarczy odpowiedzieć na tę wiadomość.", "Prosimy dać znać, czy problem został rozwiązany."},
				action:  []string{"Zobacz zgłoszenie:", "Status zgłoszenia:"},
				link:    []string{"/pomoc/zgloszenia/{num}", "/pomoc/{num}"},
			},
			"code": {
				subject: []string{"Kod logowania", "Kod weryfikacyjny {biz}", "{otp} to Państwa kod", "Potwierdź adres e-mail"},
				intro:   []string{"Państwa kod weryfikacyjny to {otp}.", "Aby się zalogować, prosimy wpisać kod {otp}.", "Aby potwierdzić adres e-mail, prosimy wpisać kod: {otp}"},
				extra:   []string{"Kod jest ważny przez 10 minut.", "Prosimy nikomu nie podawać tego kodu, także naszym pracownikom.", "Jeśli to nie Państwo próbowali się zalogować, można zignorować tę wiadomość.", "Kod można wykorzystać tylko raz."},
				action:  []string{"Można też potwierdzić adres, otwierając ten link:", "Potwierdź adres e-mail:"},
				link:    []string{"/weryfikacja?token={token}", "/potwierdz/{token}"},
			},
		},
	}

	synthLangs["tr"] = synthLang{
		greet:     []string{"Sayın {name},", "Merhaba {first},", "Merhaba {name},", "Sayın {first} {last},", "İyi günler {name},", "Değerli müşterimiz {name},"},
		greetAnon: []string{"Merhaba,", "Sayın müşterimiz,", "Değerli müşterimiz,", "İyi günler,"},
		close:     []string{"Saygılarımızla,", "İyi günler dileriz,", "Teşekkürler,", "Saygılarımla,", "İyi çalışmalar,", "Teşekkür eder, iyi günler dileriz."},
		first:     []string{"Ayşe", "Mehmet", "Fatma", "Mustafa", "Emine", "Ahmet", "Zeynep", "Ali", "Elif", "Murat", "Merve", "Emre", "Hatice", "Burak"},
		last:      []string{"Yılmaz", "Kaya", "Demir", "Şahin", "Çelik", "Yıldız", "Yıldırım", "Öztürk", "Aydın", "Özdemir", "Arslan", "Doğan", "Kılıç", "Çetin"},
		items:     []string{"Danışmanlık (1 saat)", "Aylık abonelik", "Yıllık paket", "Servis ücreti", "Yol ücreti", "Yıllık bakım", "Temizlik hizmeti", "Kargo ücreti", "Çekirdek kahve 1 kg", "Üyelik aidatı", "Özel ders", "Web hosting", "Alan adı yenileme", "Yedek parça", "Hediye kartı", "Web sitesi bakımı", "Kombi bakımı", "Diş taşı temizliği", "Ekşi mayalı ekmek", "Çift kişilik oda (2 gece)", "Muhasebe hizmeti (üç aylık)", "Bisiklet tamiri", "Yağ değişimi"},
		services:  []string{"diş kontrolü", "danışmanlık görüşmesi", "diş temizliği", "fizyoterapi seansı", "ders", "teknik servis ziyareti", "saç kesimi", "göz muayenesi"},
		months:    []string{"Ocak", "Şubat", "Mart", "Nisan", "Mayıs", "Haziran", "Temmuz", "Ağustos", "Eylül", "Ekim", "Kasım", "Aralık"},
		total:     "Toplam", vat: "KDV", qty: "Adet",
		footer: []string{
			"{biz} · {street} · {city} · Vergi No: {num}",
			"{biz}, {street}, {city}. Mersis No: {num}",
			"Sorularınız için {phone} numaralı telefondan bize ulaşabilir veya bu e-postayı yanıtlayabilirsiniz.",
			"{biz}\n{street}\n{city}\nTel: {phone}",
			"{biz} | {phone} | {domain}",
		},
		unsub: "Abonelikten çık",
		kinds: map[string]synthText{
			"invoice": {
				subject: []string{"{num} numaralı faturanız", "{biz} faturası: {num}", "{month} ayı faturanız", "Yeni faturanız hazır: {num}"},
				intro:   []string{"{num} numaralı, {amount} tutarındaki faturanızı ekte bulabilirsiniz.", "{month} ayında verdiğimiz hizmetlere ait faturayı bilgilerinize sunarız.", "Bizi tercih ettiğiniz için teşekkür ederiz. {amount} tutarındaki {num} numaralı faturanız hazırdır."},
				extra:   []string{"Ödemenizi açıklamaya fatura numarasını yazarak {days} gün içinde yapmanızı rica ederiz.", "Tutar, {date} tarihinde otomatik ödeme talimatınız ile hesabınızdan tahsil edilecektir.", "Ödemeyi faturada belirtilen IBAN numarasına havale veya EFT ile yapabilirsiniz.", "Faturayla ilgili sorularınız için bu e-postayı yanıtlayabilirsiniz."},
				action:  []string{"Faturanızı görüntüleyin ve ödeyin:", "Faturayı indirin:", "Faturayı görüntüle:"},
				items:   true,
				link:    []string{"/faturalar/{num}", "/hesap/faturalar/{num}.pdf", "/fatura?id={num}"},
			},
			"quote": {
				subject: []string{"{num} numaralı teklifimiz", "Fiyat teklifi: {product}", "{biz} fiyat teklifi", "Talep ettiğiniz fiyat teklifi"},
				intro:   []string{"Talebiniz için teşekkür ederiz. {num} numaralı teklifimizi ekte bulabilirsiniz.", "{date} tarihindeki keşif sonrasında hazırladığımız fiyat teklifini bilgilerinize sunarız.", "Görüştüğümüz iş için malzeme dahil toplam bedel: {amount} (KDV dahil)."},
				extra:   []string{"Teklifimiz {days} gün süreyle geçerlidir.", "Tüm fiyatlara KDV dahildir.", "Teklifimizi uygun bulursanız bu e-postayı yanıtlamanız yeterlidir; iş takvimini birlikte belirleriz.", "Kapsamda değişiklik isterseniz teklifi memnuniyetle güncelleriz."},
				action:  []string{"Teklifi görüntüleyin:", "Teklifi çevrimiçi onaylayın:"},
				items:   true,
				link:    []string{"/teklifler/{num}", "/teklifler/{num}/onay"},
			},
			"order": {
				subject: []string{"Siparişiniz alındı: {num}", "Sipariş onayı #{num}", "Siparişiniz için teşekkür ederiz", "{biz} sipariş özeti"},
				intro:   []string{"Siparişiniz için teşekkür ederiz. Siparişinizi kargoya hazırlıyoruz.", "{date} tarihinde verdiğiniz {num} numaralı sipariş bize ulaştı.", "Siparişinizi aldık. Sipariş özetinizi aşağıda bulabilirsiniz."},
				extra:   []string{"Siparişiniz kargoya verildiğinde takip numarasıyla birlikte size bilgi vereceğiz.", "Teslimat adresi: {street}, {city}", "Ödeme yöntemi: son dört hanesi {four} olan kart", "Tahmini teslim tarihi: {date}", "Siparişiniz kargoya verilene kadar değişiklik yapabilirsiniz."},
				action:  []string{"Sipariş detayları:", "Siparişlerim:"},
				items:   true,
				link:    []string{"/siparisler/{num}", "/hesabim/siparisler/{num}"},
			},
			"shipping": {
				subject: []string{"Siparişiniz kargoya verildi", "{num} numaralı siparişiniz yolda", "Kargo bilgilendirmesi: {num}"},
				intro:   []string{"Siparişiniz bugün {carrier} kargo firması ile gönderildi.", "{num} numaralı siparişiniz yola çıktı. Tahmini teslim tarihi: {date}.", "Paketinizi bugün depomuzdan gönderdik. Taşıyıcı firma: {carrier}."},
				extra:   []string{"Kargo takip numarası: {track}", "Adreste bulunamazsanız kurye bir sonraki iş günü tekrar deneyecektir.", "Bazı ürünler ayrı paketlerle gönderilebilir.", "Teslimat genellikle 1–3 iş günü sürer."},
				action:  []string{"Kargonuzu takip edin:", "Gönderi durumu:"},
				link:    []string{"/kargo-takip/{track}", "/siparisler/{num}/kargo"},
			},
			"receipt": {
				subject: []string{"Ödemeniz alındı", "Ödeme makbuzu: {num}", "{biz} ödeme onayı", "Ödemeniz için teşekkür ederiz"},
				intro:   []string{"Ödemeniz için teşekkür ederiz. Makbuzunuzu aşağıda bulabilirsiniz.", "{date} tarihinde yaptığınız {amount} tutarındaki ödeme tarafımıza ulaşmıştır.", "Alışverişiniz için teşekkür ederiz. Bu e-posta ödeme onayınız yerine geçer."},
				extra:   []string{"Ödeme yöntemi: son dört hanesi {four} olan kart", "Lütfen bu e-postayı kayıtlarınız için saklayın.", "Başka bir işlem yapmanıza gerek yoktur."},
				action:  []string{"Makbuzu indirin:", "Ödeme geçmişi:"},
				items:   true,
				link:    []string{"/makbuzlar/{num}", "/hesabim/odemeler"},
			},
			"appointment": {
				subject: []string{"Randevu onayı: {date}, saat {time}", "Randevu hatırlatması", "Randevunuz: {date}", "{biz} randevu bilgileri"},
				intro:   []string{"{date} tarihinde saat {time} için {service} randevunuzu onaylıyoruz.", "{date} tarihindeki {service} randevunuzu hatırlatmak isteriz. Saat: {time}.", "Randevunuz oluşturuldu. Tarih: {date}, saat: {time}. Hizmet: {service}."},
				extra:   []string{"Randevunuza gelemeyecekseniz lütfen en az 24 saat önceden bize haber verin.", "Lütfen randevu saatinden 10 dakika önce gelin.", "Lütfen kimlik belgenizi yanınızda getirin.", "Bize {phone} numaralı telefondan ulaşabilirsiniz.", "Otopark binanın arka tarafındadır."},
				action:  []string{"Randevunuzu değiştirin veya iptal edin:", "Takviminize ekleyin:", "Randevu detayları:"},
				link:    []string{"/randevular/{num}", "/randevu/{num}/degistir"},
			},
			"payreminder": {
				subject: []string{"Hatırlatma: {num} numaralı fatura", "Ödeme hatırlatması", "{num} numaralı faturanın son ödeme tarihi"},
				intro:   []string{"{num} numaralı, {amount} tutarındaki faturanızın ödemesini henüz alamadığımızı hatırlatmak isteriz.", "{num} numaralı faturanızın son ödeme tarihi {date} olarak belirlenmiştir. Tutar: {amount}.", "Kayıtlarımıza göre son ödeme tarihi {date} olan {num} numaralı fatura henüz ödenmemiştir."},
				extra:   []string{"Ödemenizi yaptıysanız bu e-postayı dikkate almayınız.", "Faturayla ilgili bir sorunuz varsa lütfen bize yazın.", "Ödemeyi havale ile veya çevrimiçi olarak yapabilirsiniz.", "Anlayışınız için teşekkür ederiz."},
				action:  []string{"Çevrimiçi ödeme:", "Faturayı görüntüleyin:"},
				link:    []string{"/faturalar/{num}/odeme", "/odeme/{num}"},
			},
			"reset": {
				subject: []string{"Şifre sıfırlama talebi", "Şifrenizi sıfırlayın", "{biz} hesabınız için yeni şifre"},
				intro:   []string{"Hesabınızın şifresini sıfırlamak için bir talep aldık.", "{biz} hesabınız için yeni bir şifre belirlemek üzere aşağıdaki bağlantıyı kullanabilirsiniz."},
				extra:   []string{"Bağlantı 60 dakika geçerlidir.", "Bu talebi siz yapmadıysanız bu e-postayı dikkate almayabilirsiniz; şifreniz değişmeyecektir.", "Güvenliğiniz için bağlantı yalnızca bir kez kullanılabilir."},
				action:  []string{"Yeni şifre belirleyin:", "Şifreyi sıfırla:"},
				link:    []string{"/sifre/sifirla?token={token}", "/hesap/sifirla/{token}"},
			},
			"account": {
				subject: []string{"E-posta adresiniz değiştirildi", "Hesabınıza yeni bir cihazdan giriş yapıldı", "Hesap bilgileriniz güncellendi", "{biz} hesap ayarlarınızda değişiklik"},
				intro:   []string{"{date} tarihinde hesabınıza kayıtlı e-posta adresi değiştirildi.", "{date} tarihinde hesabınıza yeni bir cihazdan giriş yapıldı (konum: {city}).", "Hesap bilgileriniz {date} tarihinde güncellendi."},
				extra:   []string{"Bu değişikliği siz yaptıysanız herhangi bir işlem yapmanıza gerek yoktur.", "Bu işlemi tanımıyorsanız lütfen destek ekibimizle iletişime geçin.", "Hesap ayarlarınızı dilediğiniz zaman kontrol edebilirsiniz."},
				action:  []string{"Hesap ayarları:", "Hesap etkinliğini görüntüleyin:"},
				link:    []string{"/hesap/guvenlik", "/ayarlar"},
			},
			"welcome": {
				subject: []string{"{biz} ailesine hoş geldiniz", "Hesabınız oluşturuldu", "Kaydınız için teşekkür ederiz", "{biz} hesabınız hazır"},
				intro:   []string{"{biz} hesabınızı oluşturduğunuz için teşekkür ederiz. Kaydınız tamamlandı.", "Hesabınız etkinleştirildi, hemen kullanmaya başlayabilirsiniz."},
				extra:   []string{"Kullanım bilgilerini yardım sayfamızda bulabilirsiniz.", "Sorularınız için bu e-postayı yanıtlamanız yeterlidir.", "Kullanıcı adınız: {email}"},
				action:  []string{"Giriş yapın:", "Hemen başlayın:", "Profilinizi tamamlayın:"},
				link:    []string{"/giris", "/basla", "/hesap/profil"},
			},
			"newsletter": {
				subject: []string{"{biz} bülteni – {month}", "{month} ayı haberlerimiz", "{biz} haberler", "Bu ay mağazamızdaki yenilikler"},
				intro:   []string{"{biz} ekibi olarak bu ayın haberlerini sizinle paylaşıyoruz.", "{month} ayında neler yaptığımızı kısaca özetledik.", "Son haftalardaki yeniliklerimizi sizin için derledik."},
				extra:   []string{"{date} tarihinde mağazamız kapalı olacaktır.", "Yeni çalışma saatlerimiz: pazartesi–cumartesi, 09:00–18:00.", "{date} tarihinde bir atölye düzenliyoruz; kontenjan sınırlıdır.", "Ürün yelpazemize yeni bir ürün ekledik: {product}.", "Açık gün etkinliğimize katılan herkese teşekkür ederiz.", "Ayrıntıları blogumuzda bulabilirsiniz."},
				action:  []string{"Devamını web sitemizde okuyun:", "Yenilikleri görün:", "Atölyeye kaydolun:"},
				link:    []string{"/blog", "/haberler", "/etkinlikler", "/magaza/yeni"},
			},
			"renewal": {
				subject: []string{"Aboneliğiniz {date} tarihinde yenilenecek", "Abonelik yenileme bildirimi", "Aboneliğiniz yenilendi", "Yıllık planınızın yenilenmesi hakkında"},
				intro:   []string{"Aboneliğiniz {date} tarihinde {amount} karşılığında otomatik olarak yenilenecektir.", "Planınızı bugün yeniledik ve son dört hanesi {four} olan kartınızdan {amount} tahsil ettik.", "Yıllık planınızın yenileme tarihi ({date}) yaklaşıyor. Yenileme ücreti: {amount}."},
				extra:   []string{"Planınızı hesap ayarlarından dilediğiniz zaman değiştirebilir veya iptal edebilirsiniz.", "Hizmeti kullanmaya devam etmek için bir şey yapmanıza gerek yoktur.", "Faturanızı müşteri panelinde bulabilirsiniz."},
				action:  []string{"Aboneliği yönetin:", "Ödeme bilgileri:"},
				link:    []string{"/abonelik", "/hesap/odeme"},
			},
			"booking": {
				subject: []string{"Rezervasyon onayı: {num}", "Rezervasyonunuz için teşekkür ederiz", "{date} tarihli rezervasyonunuz"},
				intro:   []string{"{date} tarihli rezervasyonunuz için teşekkür ederiz. Sizi ağırlamaktan memnuniyet duyacağız.", "{date} tarihinde saat {time} için {guests} kişilik masanız ayrılmıştır.", "{num} numaralı rezervasyonunuz onaylandı. Giriş tarihi: {date}."},
				extra:   []string{"Giriş saati 15:00 itibarıyladır.", "Varıştan 48 saat öncesine kadar ücretsiz iptal edebilirsiniz.", "Gıda alerjiniz varsa lütfen önceden bildirin.", "Kahvaltı 07:00–10:30 saatleri arasında servis edilir."},
				action:  []string{"Rezervasyonu yönetin:", "Rezervasyon detayları:"},
				link:    []string{"/rezervasyonlar/{num}", "/rezervasyon/{num}"},
			},
			"support": {
				subject: []string{"Re: {product} hakkındaki sorunuz", "Destek talebiniz: {num}", "{num} numaralı talebiniz hakkında"},
				intro:   []string{"Mesajınız için teşekkür ederiz. {product} hakkındaki sorunuzu inceledik.", "{num} numaralı destek talebinizin durumu güncellendi.", "Geç yanıt verdiğimiz için özür dileriz, sabrınız için teşekkür ederiz."},
				extra:   []string{"Yedek parça stokta mevcut, bugün kargoya veriyoruz.", "Kargo ücretini ödeme yaptığınız yönteme iade ettik.", "Başka sorunuz olursa bu e-postayı yanıtlamanız yeterli.", "Sorunun çözülüp çözülmediğini bize bildirirseniz seviniriz."},
				action:  []string{"Talebi görüntüleyin:", "Talep durumu:"},
				link:    []string{"/destek/talepler/{num}", "/destek/{num}"},
			},
			"code": {
				subject: []string{"Giriş kodunuz", "{biz} doğrulama kodunuz", "Doğrulama kodunuz: {otp}", "E-posta adresinizi doğrulayın"},
				intro:   []string{"Doğrulama kodunuz: {otp}", "Giriş yapmak için {otp} kodunu girin.", "E-posta adresinizi doğrulamak için şu kodu girin: {otp}"},
				extra:   []string{"Kod 10 dakika geçerlidir.", "Bu kodu çalışanlarımız dahil kimseyle paylaşmayın.", "Giriş yapmaya çalışan siz değilseniz bu e-postayı dikkate almayabilirsiniz.", "Kod yalnızca bir kez kullanılabilir."},
				action:  []string{"Veya aynı cihazda şu bağlantıyı açın:", "E-posta adresini doğrula:"},
				link:    []string{"/dogrula?token={token}", "/onayla/{token}"},
			},
		},
	}

	synthTLD["pl"] = []string{".pl", ".com.pl", ".pl", ".com", ".eu"}
	synthTLD["tr"] = []string{".com.tr", ".com.tr", ".tr", ".com"}

	// Credential phishing (spamKinds[0]).
	phish := &spamKinds[0]
	phish.langs = append(phish.langs, "pl", "tr")
	phish.subject["pl"] = []string{"Twoje konto zostało zawieszone", "Wymagane działanie: zweryfikuj swoje konto", "Twoje hasło wygasa dzisiaj", "Alert bezpieczeństwa", "Płatność odrzucona", "Skrzynka pocztowa jest pełna"}
	phish.subject["tr"] = []string{"Hesabınız askıya alındı", "İşlem gerekli: hesabınızı doğrulayın", "Şifrenizin süresi bugün doluyor", "Güvenlik uyarısı", "Ödeme reddedildi", "Posta kutunuz dolu"}
	phish.paras["pl"] = [][]string{
		{"Szanowny Kliencie,", "Witaj,", "Drogi Użytkowniku,"},
		{"Wykryliśmy nietypową aktywność na Twoim koncie.", "Twoje konto zostało tymczasowo ograniczone ze względów bezpieczeństwa.", "Twoja skrzynka pocztowa przekroczyła limit miejsca i {n} wiadomości zostało wstrzymanych.", "Nie udało się przetworzyć Twojej ostatniej płatności."},
		{"Zweryfikuj swoje dane w ciągu 24 godzin, aby uniknąć blokady konta.", "Potwierdź swoją tożsamość, aby przywrócić dostęp.", "Brak weryfikacji spowoduje trwałe usunięcie konta."},
		{"Z poważaniem, Zespół Bezpieczeństwa", "Dziękujemy za współpracę."},
	}
	phish.paras["tr"] = [][]string{
		{"Değerli müşterimiz,", "Merhaba,", "Sayın kullanıcı,"},
		{"Hesabınızda olağan dışı bir etkinlik tespit ettik.", "Hesabınız güvenlik nedeniyle geçici olarak kısıtlanmıştır.", "Posta kutunuz depolama sınırını aştı ve {n} ileti bekletiliyor.", "Son ödemeniz işlenemedi."},
		{"Hesabınızın kapatılmaması için bilgilerinizi 24 saat içinde doğrulayın.", "Erişiminizi geri kazanmak için kimliğinizi onaylayın.", "Doğrulama yapılmazsa hesabınız kalıcı olarak kapatılacaktır."},
		{"Saygılarımızla, Güvenlik Ekibi", "İş birliğiniz için teşekkür ederiz."},
	}
	phish.action["pl"] = []string{"Zweryfikuj teraz", "Potwierdź konto", "Zaktualizuj dane"}
	phish.action["tr"] = []string{"Şimdi doğrula", "Hesabı onayla", "Bilgileri güncelle"}

	// Parcel, customs and redelivery fees (spamKinds[1]).
	parcel := &spamKinds[1]
	parcel.langs = append(parcel.langs, "pl", "tr")
	parcel.subject["pl"] = []string{"Twoja paczka została wstrzymana", "Oczekująca opłata celna", "Nieudana próba doręczenia: {track}", "Wymagana dopłata do przesyłki"}
	parcel.subject["tr"] = []string{"Kargonuz bekletiliyor", "Ödenmemiş gümrük vergisi", "Teslimat başarısız: {track}", "Yeniden teslimat ücreti"}
	parcel.paras["pl"] = [][]string{
		{"Szanowny Kliencie,", "Witaj,"},
		{"Nie mogliśmy doręczyć Twojej paczki {track}, ponieważ opłata celna w wysokości {amount} nie została uregulowana.", "Twoja przesyłka {track} czeka w magazynie z powodu niepełnego adresu. Ponowne doręczenie kosztuje {amount}."},
		{"Uiść opłatę w ciągu 48 godzin, w przeciwnym razie paczka zostanie zwrócona do nadawcy.", "Zapłać dzisiaj, aby uniknąć dodatkowej opłaty za przechowywanie."},
	}
	parcel.paras["tr"] = [][]string{
		{"Değerli müşterimiz,", "Merhaba,"},
		{"{track} numaralı kargonuz, {amount} tutarındaki gümrük vergisi ödenmediği için teslim edilemedi.", "Adres bilgileriniz eksik olduğundan {track} numaralı gönderiniz depomuzda bekletiliyor. Yeniden teslimat ücreti: {amount}."},
		{"Ücreti 48 saat içinde ödemezseniz kargonuz göndericiye iade edilecektir.", "Ek depolama ücreti ödememek için bugün ödeme yapın."},
	}
	parcel.action["pl"] = []string{"Zapłać teraz", "Zaplanuj ponowne doręczenie"}
	parcel.action["tr"] = []string{"Şimdi öde", "Yeniden teslimat planla"}
}
