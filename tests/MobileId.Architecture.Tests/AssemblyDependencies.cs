using Mono.Cecil;
using Mono.Cecil.Cil;

namespace MobileId.Architecture.Tests;

/// <summary>A reference from code in one type to another type (or to one of its members).</summary>
/// <param name="From">The full name of the top-level type whose code holds the reference.</param>
/// <param name="FromNamespace">That type's namespace.</param>
/// <param name="ToNamespace">The namespace of the referenced type (of its top-level declaring type).</param>
/// <param name="To">The referenced type's full name.</param>
/// <param name="Member">The referenced member's name, when the reference is a call or a field access.</param>
internal sealed record Dependency(string From, string FromNamespace, string ToNamespace, string To, string? Member);

/// <summary>
/// Reads every type reference in a built assembly with Cecil: base types, interfaces, fields,
/// signatures, locals and every instruction operand, including compiler-generated closures and
/// state machines (attributed to the type they were written in). Nothing is inferred from
/// <c>using</c> directives, so a fully qualified name or a parent namespace counts too.
/// </summary>
internal static class AssemblyDependencies
{
    public static IReadOnlyList<Dependency> Read(string assemblyPath)
    {
        using var module = ModuleDefinition.ReadModule(assemblyPath);
        var result = new List<Dependency>();
        foreach (var type in module.GetTypes())
        {
            var outer = Outermost(type);
            void Add(TypeReference? reference, string? member = null)
            {
                foreach (var target in Flatten(reference))
                {
                    var top = Outermost(target);
                    result.Add(new Dependency(outer.FullName, outer.Namespace, top.Namespace, top.FullName, member));
                }
            }

            Add(type.BaseType);
            foreach (var i in type.Interfaces) Add(i.InterfaceType);
            foreach (var f in type.Fields) Add(f.FieldType);
            foreach (var p in type.Properties) Add(p.PropertyType);
            foreach (var m in type.Methods)
            {
                Add(m.ReturnType);
                foreach (var p in m.Parameters) Add(p.ParameterType);
                if (!m.HasBody) continue;
                foreach (var v in m.Body.Variables) Add(v.VariableType);
                foreach (var instruction in m.Body.Instructions)
                {
                    AddOperand(instruction, Add);
                }
            }
        }

        return result;
    }

    private static void AddOperand(Instruction instruction, Action<TypeReference?, string?> add)
    {
        switch (instruction.Operand)
        {
            case TypeReference t:
                add(t, null);
                break;
            case MethodReference m:
                add(m.DeclaringType, m.Name);
                add(m.ReturnType, null);
                foreach (var p in m.Parameters) add(p.ParameterType, null);
                if (m is GenericInstanceMethod g)
                {
                    foreach (var a in g.GenericArguments) add(a, null);
                }
                break;
            case FieldReference f:
                add(f.DeclaringType, f.Name);
                add(f.FieldType, null);
                break;
        }
    }

    private static TypeReference Outermost(TypeReference type)
    {
        while (type.DeclaringType is not null) type = type.DeclaringType;
        return type;
    }

    /// <summary>The named types inside a reference: T[] → T, List&lt;T&gt; → List, T.</summary>
    private static IEnumerable<TypeReference> Flatten(TypeReference? reference)
    {
        switch (reference)
        {
            case null or GenericParameter:
                yield break;
            case GenericInstanceType g:
                foreach (var t in Flatten(g.ElementType)) yield return t;
                foreach (var a in g.GenericArguments)
                foreach (var t in Flatten(a)) yield return t;
                break;
            case TypeSpecification s:
                foreach (var t in Flatten(s.ElementType)) yield return t;
                break;
            default:
                yield return reference;
                break;
        }
    }
}
