// A real SMTP server for the browser tests: the app under test sends its mail here (smtp_url), and the tests
// read it back over HTTP: GET /messages?to=ADDRESS answers [{ recipients, from: { name, address }, subject, text, html }], oldest
// first, decoded as a mail reader decodes them (encoded headers, nested multiparts, charsets).
// Usage: node mail-sink.mjs SMTP_PORT HTTP_PORT. The protocol is nodemailer's smtp-server's, the parsing its
// mailparser's: the sink speaks SMTP as a real server does, including SMTPUTF8 for non-ASCII addresses.
import http from "node:http";
import { SMTPServer } from "smtp-server";
import { simpleParser } from "mailparser";

const [smtpPort, httpPort] = process.argv.slice(2).map(Number);
const messages = [];

new SMTPServer({
  // Plain SMTP on loopback, no login: what the app's `smtp://HOST:PORT` setting speaks to a local catcher.
  disabledCommands: ["STARTTLS", "AUTH"],
  logger: false,
  onData(stream, session, callback) {
    simpleParser(stream)
      .then((parsed) => {
        messages.push({
          recipients: session.envelope.rcptTo.map((recipient) => recipient.address),
          from: { name: parsed.from?.value[0]?.name ?? "", address: parsed.from?.value[0]?.address ?? "" },
          subject: parsed.subject ?? "",
          text: parsed.text ?? "",
          html: typeof parsed.html === "string" ? parsed.html : "",
        });
        callback();
      })
      .catch(callback);
  },
}).listen(smtpPort, "127.0.0.1");

http
  .createServer((request, response) => {
    const url = new URL(request.url, "http://sink");
    const to = url.searchParams.get("to");
    const found = to ? messages.filter((message) => message.recipients.includes(to)) : messages;
    response.writeHead(200, { "Content-Type": "application/json" });
    response.end(JSON.stringify(found));
  })
  .listen(httpPort, "127.0.0.1");
