using System.Text;
using MobileId.Agent.Commands;

namespace MobileId.Agent;

/// <summary>
/// What the agent asks the person at the keyboard. From a terminal, the PIN, the one-time code and
/// passwords are read key by key without echo; from redirected input, one line each; a value that
/// is neither given as an option nor there to read is a usage error naming the option.
/// </summary>
internal static class Terminal
{
    private static bool IsInteractive => !Console.IsInputRedirected;

    /// <summary>The option's value when given, otherwise what is typed (or the next input line).</summary>
    /// <exception cref="UsageException">The value is not given and cannot be read.</exception>
    public static string ValueOrAsk(Dictionary<string, List<string>> options, string option, string label) =>
        options.GetValueOrDefault(option)?.LastOrDefault() ?? Ask(option, label);

    /// <summary>A new password: from a terminal it is asked twice and both must match.</summary>
    /// <exception cref="UsageException">The password is not there to read, or the two differ.</exception>
    public static string NewPassword(string option, string label)
    {
        var password = Ask(option, label);
        if (IsInteractive && Ask(option, "The same again: ") != password)
        {
            throw new UsageException("The two passwords differ; nothing was written.");
        }

        return password;
    }

    /// <summary>Asks a yes/no question at the terminal.</summary>
    /// <param name="question">The question.</param>
    /// <param name="withoutTerminal">The usage message when input is not a terminal (naming the option that answers yes).</param>
    /// <returns>True when the answer is yes.</returns>
    /// <exception cref="UsageException">Input is not a terminal.</exception>
    public static bool Confirm(string question, string withoutTerminal)
    {
        if (!IsInteractive)
        {
            throw new UsageException(withoutTerminal);
        }

        Console.Error.Write(question);
        return (Console.ReadLine() ?? "").Trim().ToUpperInvariant() is "Y" or "YES";
    }

    private static string Ask(string option, string label)
    {
        string value;
        if (IsInteractive)
        {
            Console.Error.Write(label);
            value = ReadWithoutEcho();
        }
        else
        {
            value = Console.In.ReadLine() ?? "";
        }

        return value.Length > 0
            ? value
            : throw new UsageException(IsInteractive
                ? $"--{option} is needed: give it with --{option} or type it at the prompt."
                : $"--{option} is needed: give it with --{option} (input is not a terminal and has no line for it).");
    }

    private static string ReadWithoutEcho()
    {
        var typed = new StringBuilder();
        for (var key = Console.ReadKey(intercept: true); key.Key != ConsoleKey.Enter; key = Console.ReadKey(intercept: true))
        {
            if (key.Key == ConsoleKey.Backspace)
            {
                typed.Length = Math.Max(0, typed.Length - 1);
            }
            else if (!char.IsControl(key.KeyChar))
            {
                typed.Append(key.KeyChar);
            }
        }

        Console.Error.WriteLine();
        return typed.ToString();
    }
}
