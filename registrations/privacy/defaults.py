"""The first privacy notice, published by the migration that introduced notices.

Staff replace it in the admin (each publication is a new version). The retention periods are not in
this text: the portal adds them from its settings when it shows the notice.
"""

CONTROLLER = {
    "en": "COPOLAD III programme (EU–CELAC cooperation on drug policies), programme management team",
    "es": "Programa COPOLAD III (cooperación UE–CELAC en políticas de drogas), equipo de gestión del programa",
    "pt": "Programa COPOLAD III (cooperação UE–CELAC em políticas sobre drogas), equipe de gestão do programa",
}

BODY = {
    "en": """## Why we use your data
To organise the sessions of the COPOLAD III working group: register you, send you the confirmation, the join link, reminders and changes, record attendance, issue your certificate of participation and publish the session's conclusions. With your separate agreement, to tell you about future activities of the working group.

## Legal basis
Your consent, given when you register or when you confirm a registration that your country's focal point or the programme staff made for you (Article 6(1)(a) GDPR), and the programme's task of public interest under its EU funding for the anonymous statistics it must report.

## What we collect
Your name, e-mail address, position, institution and country, preferred language and time zone, any accessibility or interpretation needs you tell us, and the e-mails we send you. Gender is optional: it is used only in aggregate, for the programme's gender-disaggregated statistics, and never shown next to your name outside the programme staff.

## Who sees what
The programme staff see every registration. The focal point of your country sees the registrations of your country. Nobody else does. The video platform receives only what you type when you join.

## Your rights
You can see, correct, download and delete your data at any time from your private page (the link in our e-mails), withdraw your consent or your agreement to be contacted, and object to or ask us to restrict the use of your data. Write to the contact above for anything else, and you may complain to your data protection authority.""",
    "es": """## Para qué usamos sus datos
Para organizar las sesiones del grupo de trabajo de COPOLAD III: registrarle, enviarle la confirmación, el enlace de conexión, los recordatorios y los cambios, registrar la asistencia, emitir su certificado de participación y publicar las conclusiones de la sesión. Con su acuerdo aparte, para informarle de futuras actividades del grupo de trabajo.

## Base jurídica
Su consentimiento, dado al inscribirse o al confirmar una inscripción que hizo por usted el punto focal de su país o el equipo del programa (artículo 6.1.a del RGPD), y la misión de interés público del programa, financiado por la UE, para las estadísticas anónimas que debe presentar.

## Qué datos recogemos
Su nombre, dirección de correo electrónico, cargo, institución y país, idioma y zona horaria preferidos, las necesidades de accesibilidad o interpretación que nos indique y los correos que le enviamos. El género es opcional: solo se usa de forma agregada, para las estadísticas desagregadas por género del programa, y nunca se muestra junto a su nombre fuera del equipo del programa.

## Quién ve qué
El equipo del programa ve todas las inscripciones. El punto focal de su país ve las inscripciones de su país. Nadie más. La plataforma de vídeo solo recibe lo que usted escriba al conectarse.

## Sus derechos
Puede ver, corregir, descargar y eliminar sus datos en cualquier momento desde su página privada (el enlace de nuestros correos), retirar su consentimiento o su acuerdo para ser contactado, y oponerse al uso de sus datos o pedir que lo limitemos. Para cualquier otra cuestión escriba al contacto indicado arriba; también puede reclamar ante su autoridad de protección de datos.""",
    "pt": """## Para que usamos seus dados
Para organizar as sessões do grupo de trabalho do COPOLAD III: inscrever você, enviar a confirmação, o link de acesso, os lembretes e as mudanças, registrar a presença, emitir seu certificado de participação e publicar as conclusões da sessão. Com sua concordância à parte, para informar você sobre futuras atividades do grupo de trabalho.

## Base legal
Seu consentimento, dado ao se inscrever ou ao confirmar uma inscrição feita para você pelo ponto focal do seu país ou pela equipe do programa (artigo 6.º, n.º 1, alínea a), do RGPD), e a missão de interesse público do programa, financiado pela UE, para as estatísticas anônimas que ele deve apresentar.

## Quais dados coletamos
Seu nome, endereço de e-mail, cargo, instituição e país, idioma e fuso horário preferidos, as necessidades de acessibilidade ou interpretação que você nos informar e os e-mails que enviamos a você. O gênero é opcional: é usado apenas de forma agregada, para as estatísticas do programa desagregadas por gênero, e nunca aparece ao lado do seu nome fora da equipe do programa.

## Quem vê o quê
A equipe do programa vê todas as inscrições. O ponto focal do seu país vê as inscrições do seu país. Ninguém mais. A plataforma de vídeo recebe apenas o que você digitar ao entrar.

## Seus direitos
Você pode ver, corrigir, baixar e excluir seus dados a qualquer momento na sua página privada (o link dos nossos e-mails), retirar seu consentimento ou sua concordância em ser contatado, e se opor ao uso dos seus dados ou pedir que o limitemos. Para qualquer outra questão, escreva ao contato indicado acima; você também pode reclamar à sua autoridade de proteção de dados.""",
}

CONTACT_EMAIL = "dataprotection@copolad.eu"

FIRST_NOTICE = {
    "controller": CONTROLLER["en"],
    "contact_email": CONTACT_EMAIL,
    "body": BODY["en"],
    **{f"controller_{code}": text for code, text in CONTROLLER.items()},
    **{f"body_{code}": text for code, text in BODY.items()},
}
