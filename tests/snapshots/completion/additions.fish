# --- uvauth: uv's completion above (re-targeted), uvauth's command line below ---
# `alias uv=uvauth` makes `uv` wrap `uvauth`, so `uv` is completed by these too.

function __uvauth_own_words
    # With `uvauth uvauth ...` on the command line, print the words after those two (before the cursor).
    set -l words (commandline -opc)
    test (count $words) -ge 2; and test "$words[2]" = uvauth; or return 1
    set -e words[1..2]
    for word in $words
        echo $word
    end
    return 0
end

function __uvauth_own_command
    # True at `uvauth uvauth COMMAND ...` (argv[1]: COMMAND; with argv[2] `--leading`: only while every word
    # after COMMAND is an option).
    set -l words (__uvauth_own_words); or return 1
    test (count $words) -ge 1; and test "$words[1]" = "$argv[1]"; or return 1
    set -e words[1]
    if test "$argv[2]" = --leading
        for word in $words
            string match -q -- '-*' $word; or return 1
        end
    end
    return 0
end

function __uvauth_own_positional
    # True when the cursor is on argument argv[2] (0-based; `N+`: N or later) of `uvauth uvauth argv[1] ...`;
    # argv[3...]: the command's options that take a value.
    __uvauth_own_command $argv[1]; or return 1
    set -l words (__uvauth_own_words)
    set -e words[1]
    set -l valued $argv
    set -e valued[1..2]
    set -l n 0
    set -l skip 0
    for word in $words
        if test $skip = 1
            set skip 0
        else if contains -- $word $valued
            set skip 1
        else if not string match -q -- '-*' $word
            set n (math $n + 1)
        end
    end
    if string match -q -- '*+' $argv[2]
        test $n -ge (string trim -r -c + -- $argv[2])
    else
        test $n -eq $argv[2]
    end
end

function __uvauth_own_tail
    # Complete the arguments of `uvauth uvauth COMMAND` as the uvauth command line `uvauth PREFIX... ARGS...`.
    # argv: COMMAND's option names, `--`, PREFIX..., and optionally `--only` and the only uv options it takes.
    set -l options
    while set -q argv[1]; and test "$argv[1]" != --
        set -a options $argv[1]
        set -e argv[1]
    end
    set -q argv[1]; and set -e argv[1]
    set -l only
    set -l filter 0
    if set -l at (contains -i -- --only $argv)
        set only $argv[(math $at + 1)..-1]
        set filter 1
        if test $at -gt 1
            set argv $argv[1..(math $at - 1)]
        else
            set argv
        end
    end
    set -l words (__uvauth_own_words)
    set -e words[1]
    set -l kept
    set -l leading 1
    for word in $words
        if test $leading = 1; and contains -- $word $options
            continue
        end
        string match -q -- '-*' $word; or set leading 0
        set -a kept $word
    end
    set -l token (commandline -ct)
    set -l line (string join ' ' -- (string escape -- uvauth $argv $kept))
    for row in (complete -C "$line $token")
        set -l word (string split -m 1 \t -- $row)[1]
        # `uvauth` is the first word of a uvauth command line, never an argument of COMMAND.
        test "$word" = uvauth; and continue
        if test $filter = 1; and string match -q -- '-*' $word; and not contains -- $word $only
            continue
        end
        echo $row
    end
end

function __uvauthx_complete
    # `uvauthx` is uvauth's uvx: complete its words as the uvauth command line `uvauth tool run WORDS...`.
    set -l words (commandline -opc)
    set -e words[1]
    set -l line (string join ' ' -- (string escape -- uvauth tool run $words))
    complete -C "$line "(commandline -ct)
end

complete -c uvauth -n "not __uvauth_own_words >/dev/null" -l authenticate -d 'uvauth: authentication policy for every index this command contacts' -r -f -a "always\t'send credentials on the first request; fail before any request when none are found'
auto\t'uv\'s default: try without credentials, retry with them after a 401'
never\t'never send credentials'"
complete -c uvauth -n "test (count (commandline -opc)) -eq 1" -f -a uvauth -d 'uvauth\'s own commands: completion, credentials, doctor, explain, help, helper, login, logout, version'
complete -c uvauth -n "__uvauth_own_words >/dev/null" -f
complete -c uvauthx -f -a "(__uvauthx_complete)"
complete -c uvauth -n "__uvauth_own_words >/dev/null; and test (count (__uvauth_own_words)) -eq 0" -f -a completion -d 'Print the completion script for bash, zsh or fish'
complete -c uvauth -n "__uvauth_own_words >/dev/null; and test (count (__uvauth_own_words)) -eq 0" -f -a credentials -d 'The [[credentials]] entries in force here'
complete -c uvauth -n "__uvauth_own_words >/dev/null; and test (count (__uvauth_own_words)) -eq 0" -f -a doctor -d 'Check each index the project uses, over the network'
complete -c uvauth -n "__uvauth_own_words >/dev/null; and test (count (__uvauth_own_words)) -eq 0" -f -a explain -d 'Show what uvauth does for a uv command, without running it'
complete -c uvauth -n "__uvauth_own_words >/dev/null; and test (count (__uvauth_own_words)) -eq 0" -f -a help -d 'Show the help of uvauth\'s own commands, or of one of them'
complete -c uvauth -n "__uvauth_own_words >/dev/null; and test (count (__uvauth_own_words)) -eq 0" -f -a helper -d 'Be another tool\'s credential helper (Bazel\'s or git\'s protocol)'
complete -c uvauth -n "__uvauth_own_words >/dev/null; and test (count (__uvauth_own_words)) -eq 0" -f -a login -d 'Store long-lived credentials for a configured index'
complete -c uvauth -n "__uvauth_own_words >/dev/null; and test (count (__uvauth_own_words)) -eq 0" -f -a logout -d 'Remove what `login INDEX` stored'
complete -c uvauth -n "__uvauth_own_words >/dev/null; and test (count (__uvauth_own_words)) -eq 0" -f -a version -d 'Print uvauth\'s version'
complete -c uvauth -n "__uvauth_own_words >/dev/null; and test (count (__uvauth_own_words)) -eq 0" -s h -l help -d 'Show the help and exit'
complete -c uvauth -n "__uvauth_own_command completion" -s h -l help -d 'Show the help and exit'
complete -c uvauth -n "__uvauth_own_positional completion 0" -f -a "bash zsh fish"
complete -c uvauth -n "__uvauth_own_command credentials" -l all -d 'show'
complete -c uvauth -n "__uvauth_own_command credentials" -s o -l output -r -d 'token'
complete -c uvauth -n "__uvauth_own_command credentials" -s h -l help -d 'Show the help and exit'
complete -c uvauth -n "__uvauth_own_positional credentials 0 -o --output" -f -a "show forget trust token"
complete -c uvauth -n "__uvauth_own_positional credentials 1 -o --output" -F
complete -c uvauth -n "__uvauth_own_command doctor --leading" -l json -d 'Print the uvauth.doctor/1 JSON object'
complete -c uvauth -n "__uvauth_own_command doctor --leading" -s h -l help -d 'Show the help and exit'
complete -c uvauth -n "__uvauth_own_command doctor" -f -a "(__uvauth_own_tail --json -h --help -- lock --only --project --directory --config-file --no-config --index --default-index --index-url -i --extra-index-url --find-links -f --keyring-provider --allow-insecure-host --system-certs --no-system-certs --native-tls --no-native-tls --authenticate)"
complete -c uvauth -n "__uvauth_own_command explain --leading" -l json -d 'Print the uvauth.explain/1 JSON object'
complete -c uvauth -n "__uvauth_own_command explain --leading" -s h -l help -d 'Show the help and exit'
complete -c uvauth -n "__uvauth_own_command explain" -f -a "(__uvauth_own_tail --json -h --help --)"
complete -c uvauth -n "__uvauth_own_command help" -s h -l help -d 'Show the help and exit'
complete -c uvauth -n "__uvauth_own_positional help 0" -F
complete -c uvauth -n "__uvauth_own_command helper" -l protocol -r -f -a "bazel git" -d 'The protocol the tool speaks'
complete -c uvauth -n "__uvauth_own_command helper" -s h -l help -d 'Show the help and exit'
complete -c uvauth -n "__uvauth_own_positional helper 0 --protocol" -f -a "get store erase"
complete -c uvauth -n "__uvauth_own_command login" -s u -l username -r -d 'The username to store'
complete -c uvauth -n "__uvauth_own_command login" -s h -l help -d 'Show the help and exit'
complete -c uvauth -n "__uvauth_own_positional login 0 -u --username" -F
complete -c uvauth -n "__uvauth_own_command logout" -s u -l username -r -d 'The username to remove'
complete -c uvauth -n "__uvauth_own_command logout" -s h -l help -d 'Show the help and exit'
complete -c uvauth -n "__uvauth_own_positional logout 0 -u --username" -F
complete -c uvauth -n "__uvauth_own_command version" -s h -l help -d 'Show the help and exit'
