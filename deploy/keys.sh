# deploy/keys.sh: the CURVE keys of an installation, sourced by deploy/up
# (with $root and $state set) and by the packaged hotline-setup (with
# $keys and $keygen set).
#
# Both ZeroMQ endpoints speak CURVE: hotlined lets in only the keys listed
# for it (docs/operations.md), so nothing on the machine can file a
# complaint or act as a department without a key of its own. The keys are
# made once, at the first start, under $state/keys (0600): the two
# endpoints' key pairs with their public halves in *.pub for clients; the
# operator's keys as agent, dispatcher and supervisor; one key for each
# channel gateway; one for each sample department worker. The lists
# hotlined reads (intake-keys.conf, worker-keys.conf) are written again at
# every start from the key files there, so a key added by hand (hotline
# keygen > $state/keys/agent-NAME.key) is listed at the next deploy/up or
# after writing the list and kill -HUP.

keys=${keys:-$state/keys}
keygen=${keygen:-$root/build/client/hotline}

# Make the key pair NAME unless it exists.
newkey () {
    [ -s "$keys/$1.key" ] || "$keygen" keygen >"$keys/$1.key"
}

pubkey () { awk '$1 == "public" {print $2}' "$keys/$1.key"; }

# make_keys UNIT...: every key pair and both lists.
make_keys () {
    mkdir -p "$keys"
    local name unit
    for name in intake-endpoint worker-endpoint; do
        newkey "$name"
        grep '^public ' "$keys/$name.key" >"$keys/$name.pub"
    done
    for name in agent-operator dispatcher-operator supervisor-operator \
                channel-web channel-app channel-enterprise channel-sms channel-mailbox; do
        newkey "$name"
    done
    for unit in "$@"; do newkey "worker-$unit"; done
    write_key_lists
}

# The two lists hotlined reads, from the key files in $keys.
write_key_lists () {
    local file name role
    {
        echo "# staff and gateways (written from $keys by deploy/up or hotline-setup)"
        for file in "$keys"/agent-*.key "$keys"/dispatcher-*.key "$keys"/supervisor-*.key \
                    "$keys"/channel-*.key; do
            [ -s "$file" ] || continue
            name=$(basename "$file" .key)
            role=${name%%-*}
            echo "$role:${name#*-} $(pubkey "$name")"
        done
    } >"$keys/intake-keys.conf"
    {
        echo "# department workers (written from $keys by deploy/up or hotline-setup)"
        for file in "$keys"/worker-*.key; do
            [ -s "$file" ] || continue
            name=$(basename "$file" .key)
            [ "$name" = worker-endpoint ] && continue
            echo "${name#worker-} $(pubkey "$name")"
        done
    } >"$keys/worker-keys.conf"
}
