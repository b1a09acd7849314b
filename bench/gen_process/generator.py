"""The whole-process generator program in Python (bench/generator.py): generator.tm's twin."""


def produce(n):
    i = 0
    while i < n:
        yield i
        i += 1


def consume(n):
    acc = 0
    for x in produce(n):
        acc += x
    return acc


print(consume(100000))
