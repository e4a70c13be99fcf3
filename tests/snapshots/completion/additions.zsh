# --- uvauth: uv's completion above (re-targeted), uvauth's command line below ---

_uvauth() {
    # Registered for `uvauth` and `uv`: `uv` gets uvauth's additions only while it is an alias of uvauth (zsh
    # expands aliases before completing, so this matters only with `setopt complete_aliases`). `uvauthx` is
    # uvauth's uvx: its words are completed as the uvauth command line `uvauth tool run WORDS...`.
    if [[ ${words[1]:t} == uvauthx ]]; then
        words=(uvauth tool run "${(@)words[2,-1]}")
        CURRENT=$(( CURRENT + 2 ))
        _uvauth__line 0
        return
    fi
    if [[ ${words[1]:t} != uvauth && ${aliases[${words[1]}]-} != *uvauth* ]]; then
        _uvauth_uv "$@"
        return
    fi
    _uvauth__line 1
}

_uvauth__line() {
    # Complete $words as a uvauth command line: uv's, plus --authenticate (and, when $1 is 1, the first word
    # `uvauth`). --authenticate and its value are taken out of the words handed to uv's function.
    local own=$1 i word skip=0 dashdash=0 first=0 ret=1
    if (( own && CURRENT > 2 )) && [[ $words[2] == uvauth ]]; then
        _uvauth__own
        return
    fi
    local -a kept=("$words[1]")
    for (( i = 2; i < CURRENT; i++ )); do
        word=$words[i]
        if (( skip )); then
            skip=0
            continue
        fi
        if (( ! dashdash )); then
            case $word in
                (--) dashdash=1 ;;
                (--authenticate) skip=1; continue ;;
                (--authenticate=*) continue ;;
            esac
        fi
        kept+=("$word")
    done
    if (( ! dashdash )); then
        if (( skip )); then  # the word after --authenticate
            _uvauth__policies
            return
        fi
        if compset -P '--authenticate='; then
            _uvauth__policies
            return
        fi
    fi
    (( CURRENT == 2 )) && first=1
    words=("${kept[@]}" "${(@)words[CURRENT,-1]}")
    CURRENT=$(( ${#kept} + 1 ))
    if (( ! dashdash )) && [[ $PREFIX == -* ]]; then
        local -a uvauth_options=('--authenticate:uvauth: authentication policy for every index this command contacts')
        _describe -t uvauth-options 'uvauth option' uvauth_options && ret=0
    fi
    if (( own && first )) && [[ $PREFIX != -* ]]; then
        local -a uvauth_commands=('uvauth:uvauth'\''s own commands: completion, credentials, doctor, explain, help, helper, login, logout, version')
        _describe -t uvauth-commands 'uvauth command' uvauth_commands && ret=0
    fi
    _uvauth_uv && ret=0
    return ret
}

_uvauth__policies() {
    local -a policies=('always:send credentials on the first request; fail before any request when none are found' 'auto:uv'\''s default: try without credentials, retry with them after a 401' 'never:never send credentials')
    _describe -t policies 'authentication policy' policies
}

_uvauth__own() {
    # `uvauth uvauth COMMAND ...`: uvauth's own commands.
    local i word n=0 skip=0 leading=1 tail=0 ret=1
    local -a commands=('completion:Print the completion script for bash, zsh or fish' 'credentials:The [[credentials]] entries in force here' 'doctor:Check each index the project uses, over the network' 'explain:Show what uvauth does for a uv command, without running it' 'help:Show the help of uvauth'\''s own commands, or of one of them' 'helper:Be another tool'\''s credential helper (Bazel'\''s or git'\''s protocol)' 'login:Store long-lived credentials for a configured index' 'logout:Remove what `login INDEX` stored' 'version:Print uvauth'\''s version')
    local -a group_options=('-h:Show the help and exit' '--help:Show the help and exit')
    local -a options names valued prefix choices only
    if (( CURRENT == 3 )); then
        if [[ $PREFIX == -* ]]; then
            _describe -t options 'uvauth uvauth option' group_options
        else
            _describe -t commands 'uvauth uvauth command' commands
        fi
        return
    fi
    case $words[3] in
        (completion) options=('-h:Show the help and exit' '--help:Show the help and exit'); names=(-h --help) ;;
        (credentials) options=('--all:show' '-o:token' '--output:token' '-h:Show the help and exit' '--help:Show the help and exit'); names=(--all -o --output -h --help); valued=(-o --output) ;;
        (doctor) options=('--json:Print the uvauth.doctor/1 JSON object' '-h:Show the help and exit' '--help:Show the help and exit'); names=(--json -h --help); tail=1; prefix=(lock); only=(--project --directory --config-file --no-config --index --default-index --index-url -i --extra-index-url --find-links -f --keyring-provider --allow-insecure-host --system-certs --no-system-certs --native-tls --no-native-tls --authenticate) ;;
        (explain) options=('--json:Print the uvauth.explain/1 JSON object' '-h:Show the help and exit' '--help:Show the help and exit'); names=(--json -h --help); tail=1; prefix=() ;;
        (help) options=('-h:Show the help and exit' '--help:Show the help and exit'); names=(-h --help) ;;
        (helper) options=('--protocol:The protocol the tool speaks' '-h:Show the help and exit' '--help:Show the help and exit'); names=(--protocol -h --help); valued=(--protocol) ;;
        (login) options=('-u:The username to store' '--username:The username to store' '-h:Show the help and exit' '--help:Show the help and exit'); names=(-u --username -h --help); valued=(-u --username) ;;
        (logout) options=('-u:The username to remove' '--username:The username to remove' '-h:Show the help and exit' '--help:Show the help and exit'); names=(-u --username -h --help); valued=(-u --username) ;;
        (version) options=('-h:Show the help and exit' '--help:Show the help and exit'); names=(-h --help) ;;
        (*) return 1 ;;
    esac
    if (( tail )); then
        # The command's own options lead; the rest is a uv command line, completed as `uvauth PREFIX ARGS...`.
        local -a kept=("$words[1]" "${prefix[@]}")
        for (( i = 4; i < CURRENT; i++ )); do
            word=$words[i]
            if (( leading && ${names[(Ie)$word]} )); then
                continue
            fi
            [[ $word == -* ]] || leading=0
            kept+=("$word")
        done
        if (( leading )) && [[ $PREFIX == -* ]]; then
            _describe -t options "uvauth uvauth $words[3] option" options && ret=0
        fi
        words=("${kept[@]}" "${(@)words[CURRENT,-1]}")
        CURRENT=$(( ${#kept} + 1 ))
        if (( ! ${#only} )); then
            _uvauth__line 0 && ret=0
            return ret
        fi
        # Of uv's options offer only those the command takes: for this completion only, every compadd ignores
        # the others, as the ignored-patterns style would (a compadd function already defined still runs).
        local _uvauth_ignore="(-*~(${(j:|:)only}))" saved=${functions[compadd]-}
        [[ -n $saved ]] && functions[_uvauth__compadd_next]=$saved
        compadd() {
            local -a _comp_ignore=("${_comp_ignore[@]}" "$_uvauth_ignore")
            if (( ${+functions[_uvauth__compadd_next]} )); then
                _uvauth__compadd_next -F _comp_ignore "$@"
            else
                builtin compadd -F _comp_ignore "$@"
            fi
        }
        _uvauth__line 0 && ret=0
        if [[ -n $saved ]]; then
            functions[compadd]=$saved
            unfunction _uvauth__compadd_next
        else
            unfunction compadd
        fi
        return ret
    fi
    case "$words[3]:$words[CURRENT-1]" in
        (credentials:-o|credentials:--output) _files; return ;;
        (helper:--protocol) choices=(bazel git); _describe -t values 'value' choices; return ;;
        (login:-u|login:--username) _files; return ;;
        (logout:-u|logout:--username) _files; return ;;
    esac
    for (( i = 4; i < CURRENT; i++ )); do
        if (( skip )); then
            skip=0
        elif (( ${valued[(Ie)$words[i]]} )); then
            skip=1
        elif [[ $words[i] != -* ]]; then
            n=$(( n + 1 ))
        fi
    done
    if [[ $PREFIX == -* ]]; then
        _describe -t options "uvauth uvauth $words[3] option" options
        return
    fi
    case "$words[3]:$n" in
        (completion:0) choices=(bash zsh fish); _describe -t values 'value' choices; return ;;
        (credentials:0) choices=(show forget trust token); _describe -t values 'value' choices; return ;;
        (credentials:1) _files; return ;;
        (help:0) _files; return ;;
        (helper:0) choices=(get store erase); _describe -t values 'value' choices; return ;;
        (login:0) _files; return ;;
        (logout:0) _files; return ;;
    esac
    return 1
}

if [ "$funcstack[1]" = "_uvauth" ]; then
    _uvauth "$@"
else
    compdef _uvauth uvauth uv uvauthx
fi
