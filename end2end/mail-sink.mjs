// A real SMTP server for the browser tests: the app under test sends its mail here (smtp_url), and the tests
// read it back over HTTP: GET /messages?to=ADDRESS answers [{ recipients, subject, text, html }], oldest first.
// Usage: node mail-sink.mjs SMTP_PORT HTTP_PORT. Only node's own modules: nothing to install.
import http from "node:http";
import net from "node:net";

const [smtpPort, httpPort] = process.argv.slice(2).map(Number);
const messages = [];

/** The headers and body of a MIME entity. */
function split(entity) {
  const at = entity.indexOf("\r\n\r\n");
  const head = at < 0 ? entity : entity.slice(0, at);
  const body = at < 0 ? "" : entity.slice(at + 4);
  const headers = {};
  for (const line of head.replace(/\r\n[ \t]+/g, " ").split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon > 0) headers[line.slice(0, colon).toLowerCase()] ??= line.slice(colon + 1).trim();
  }
  return { headers, body };
}

function decode(headers, body) {
  const encoding = (headers["content-transfer-encoding"] ?? "").toLowerCase();
  if (encoding === "base64") return Buffer.from(body.replace(/\s+/g, ""), "base64").toString("utf8");
  if (encoding === "quoted-printable") {
    const bytes = body.replace(/=\r\n/g, "").replace(/=([0-9A-Fa-f]{2})/g, (_, hex) => String.fromCharCode(parseInt(hex, 16)));
    return Buffer.from(bytes, "latin1").toString("utf8");
  }
  return body;
}

function parse(recipients, raw) {
  const { headers, body } = split(raw);
  const message = { recipients, subject: headers["subject"] ?? "", text: "", html: "" };
  const boundary = /boundary="?([^";]+)"?/.exec(headers["content-type"] ?? "")?.[1];
  const parts = boundary ? body.split(`--${boundary}`).map(split) : [{ headers, body }];
  for (const part of parts) {
    const type = (part.headers["content-type"] ?? "").toLowerCase();
    if (type.startsWith("text/plain")) message.text = decode(part.headers, part.body);
    if (type.startsWith("text/html")) message.html = decode(part.headers, part.body);
  }
  return message;
}

net
  .createServer((socket) => {
    let buffer = "";
    let recipients = [];
    let data = null;
    socket.write("220 sink.test ESMTP test sink\r\n");
    socket.on("data", (chunk) => {
      buffer += chunk.toString("latin1");
      let end;
      while ((end = buffer.indexOf("\r\n")) >= 0) {
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (data !== null) {
          if (line === ".") {
            messages.push(parse(recipients, Buffer.from(data.join("\r\n"), "latin1").toString("latin1")));
            data = null;
            recipients = [];
            socket.write("250 OK: queued\r\n");
          } else {
            data.push(line.startsWith(".") ? line.slice(1) : line);
          }
          continue;
        }
        const command = line.toUpperCase();
        if (command.startsWith("EHLO")) socket.write("250-sink.test\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n");
        else if (command.startsWith("HELO")) socket.write("250 sink.test\r\n");
        else if (command.startsWith("MAIL FROM:")) (recipients = []), socket.write("250 OK\r\n");
        else if (command.startsWith("RCPT TO:")) {
          recipients.push(/<([^>]*)>/.exec(line)?.[1] ?? line.slice(8).trim());
          socket.write("250 OK\r\n");
        } else if (command === "DATA") (data = []), socket.write("354 End data with <CR><LF>.<CR><LF>\r\n");
        else if (command === "RSET" || command === "NOOP") socket.write("250 OK\r\n");
        else if (command === "QUIT") socket.end("221 Bye\r\n");
        else socket.write("502 Command not implemented\r\n");
      }
    });
    socket.on("error", () => {});
  })
  .listen(smtpPort, "127.0.0.1");

http
  .createServer((request, response) => {
    const url = new URL(request.url, "http://sink");
    const to = url.searchParams.get("to");
    const found = to ? messages.filter((message) => message.recipients.includes(to)) : messages;
    response.writeHead(200, { "Content-Type": "application/json" });
    response.end(JSON.stringify(found));
  })
  .listen(httpPort, "127.0.0.1");
