# Sourced by `make run` and `make watch`: the keys of a developer's machine, made once and kept in
# data/dev-keys.env (readable by its owner only, outside git), so two-factor secrets and remembered browsers
# survive a restart. A key already in the environment wins; a deployment sets its own (README, "Configuration").
dev_keys=data/dev-keys.env
if [ ! -f "$dev_keys" ]; then
  mkdir -p data
  (
    umask 077
    printf 'LEPTODO_COOKIE_KEY=%s\nLEPTODO_TWO_FACTOR_KEY=%s\n' \
      "$(head -c 64 /dev/urandom | base64 -w0)" "$(head -c 32 /dev/urandom | base64 -w0)" > "$dev_keys"
  )
  echo "==> made this machine's cookie and two-factor keys in $dev_keys" >&2
fi
while IFS='=' read -r name value; do
  if [ -z "${!name:-}" ]; then export "$name=$value"; fi
done < "$dev_keys"
